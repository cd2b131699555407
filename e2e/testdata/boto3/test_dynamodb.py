"""DynamoDB with boto3: a table made, waited for, described, listed and deleted; items
written, read, updated, queried and scanned with expressions (and boto3's resource layer,
which writes Python values as DynamoDB's types); DynamoDB's error codes."""
import decimal
import unittest

import boto3
import botocore.exceptions

import vpcd


class DynamoDB(unittest.TestCase):
    def setUp(self):
        self.account = vpcd.new_account()
        self.ddb = vpcd.client(self.account, service="dynamodb")

    def error(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def make_table(self, name="music"):
        out = self.ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "artist", "KeyType": "HASH"}, {"AttributeName": "song", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "artist", "AttributeType": "S"}, {"AttributeName": "song", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        )["TableDescription"]
        self.ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        return out

    def test_tables(self):
        self.assertEqual(self.ddb.list_tables()["TableNames"], [])
        d = self.make_table()
        self.assertEqual(d["TableStatus"], "ACTIVE")
        self.assertEqual(d["TableArn"], "arn:aws:dynamodb:us-east-1:%s:table/music" % self.account)
        self.assertEqual(d["ProvisionedThroughput"]["ReadCapacityUnits"], 5)
        self.assertEqual(d["ItemCount"], 0)
        self.make_table("albums")
        self.assertEqual(self.ddb.list_tables()["TableNames"], ["albums", "music"])
        page = self.ddb.list_tables(Limit=1)
        self.assertEqual((page["TableNames"], page["LastEvaluatedTableName"]), (["albums"], "albums"))
        self.assertEqual(self.ddb.list_tables(ExclusiveStartTableName="albums")["TableNames"], ["music"])
        code, _ = self.error(self.make_table)
        self.assertEqual(code, "ResourceInUseException")
        self.assertEqual(self.ddb.delete_table(TableName="albums")["TableDescription"]["TableStatus"], "DELETING")
        code, msg = self.error(self.ddb.describe_table, TableName="albums")
        self.assertEqual((code, msg), ("ResourceNotFoundException", "Requested resource not found: Table: albums not found"))
        # Another account sees none of them.
        self.assertEqual(vpcd.client(vpcd.new_account(), service="dynamodb").list_tables()["TableNames"], [])

    def test_bad_tables(self):
        code, _ = self.error(self.ddb.create_table, TableName="t1", BillingMode="PAY_PER_REQUEST",
                             KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}])
        self.assertEqual(code, "ValidationException")
        code, _ = self.error(self.ddb.create_table, TableName="t1",
                             KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
        self.assertEqual(code, "ValidationException")  # PROVISIONED without throughput

    def test_items(self):
        self.make_table()
        for song, year in [("a", 1990), ("b", 1991), ("c", 1995)]:
            self.ddb.put_item(TableName="music", Item={"artist": {"S": "x"}, "song": {"S": song}, "year": {"N": str(year)}})
        item = self.ddb.get_item(TableName="music", Key={"artist": {"S": "x"}, "song": {"S": "b"}})["Item"]
        self.assertEqual(item["year"], {"N": "1991"})
        self.assertNotIn("Item", self.ddb.get_item(TableName="music", Key={"artist": {"S": "x"}, "song": {"S": "z"}}))

        code, msg = self.error(self.ddb.put_item, TableName="music", Item={"artist": {"S": "x"}, "song": {"S": "a"}},
                               ConditionExpression="attribute_not_exists(artist)")
        self.assertEqual((code, msg), ("ConditionalCheckFailedException", "The conditional request failed"))

        out = self.ddb.update_item(TableName="music", Key={"artist": {"S": "x"}, "song": {"S": "a"}},
                                   UpdateExpression="SET #y = #y + :one, plays = if_not_exists(plays, :zero) REMOVE gone",
                                   ExpressionAttributeNames={"#y": "year"},
                                   ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}},
                                   ReturnValues="UPDATED_NEW")
        self.assertEqual(out["Attributes"], {"year": {"N": "1991"}, "plays": {"N": "0"}})

        q = self.ddb.query(TableName="music", KeyConditionExpression="artist = :a AND song > :s",
                           FilterExpression="#y >= :y", ExpressionAttributeNames={"#y": "year"},
                           ExpressionAttributeValues={":a": {"S": "x"}, ":s": {"S": "a"}, ":y": {"N": "1995"}})
        self.assertEqual((q["Count"], q["ScannedCount"]), (1, 2))
        self.assertEqual(q["Items"][0]["song"], {"S": "c"})
        q = self.ddb.query(TableName="music", KeyConditionExpression="artist = :a AND begins_with(song, :p)",
                           ExpressionAttributeValues={":a": {"S": "x"}, ":p": {"S": "b"}}, ProjectionExpression="song")
        self.assertEqual(q["Items"], [{"song": {"S": "b"}}])

        self.assertEqual(self.ddb.scan(TableName="music", Select="COUNT")["Count"], 3)
        self.ddb.delete_item(TableName="music", Key={"artist": {"S": "x"}, "song": {"S": "c"}})
        self.assertEqual(self.ddb.scan(TableName="music")["Count"], 2)

        code, _ = self.error(self.ddb.get_item, TableName="nope", Key={"k": {"S": "x"}})
        self.assertEqual(code, "ResourceNotFoundException")
        code, msg = self.error(self.ddb.put_item, TableName="music", Item={"artist": {"S": "x"}})
        self.assertEqual((code, msg), ("ValidationException", "One or more parameter values were invalid: Missing the key song in the item"))
        code, _ = self.error(self.ddb.update_item, TableName="music", Key={"artist": {"S": "x"}, "song": {"S": "a"}},
                             UpdateExpression="SET a = :v")
        self.assertEqual(code, "ValidationException")  # :v is not defined
        code, _ = self.error(self.ddb.batch_write_item, RequestItems={"music": [{"DeleteRequest": {"Key": {"artist": {"S": "x"}, "song": {"S": "a"}}}}]})
        self.assertEqual(code, "UnknownOperationException")

    def test_resource(self):
        res = boto3.resource("dynamodb", endpoint_url=self.ddb.meta.endpoint_url, region_name="us-east-1",
                             aws_access_key_id=self.account, aws_secret_access_key="x")
        self.make_table()
        table = res.Table("music")
        table.put_item(Item={"artist": "y", "song": "s", "tags": ["p", "q"], "meta": {"n": decimal.Decimal("1.5")}, "ok": True})
        item = table.get_item(Key={"artist": "y", "song": "s"})["Item"]
        self.assertEqual(item, {"artist": "y", "song": "s", "tags": ["p", "q"], "meta": {"n": decimal.Decimal("1.5")}, "ok": True})


if __name__ == "__main__":
    unittest.main()
