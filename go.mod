module vpcd

go 1.26
