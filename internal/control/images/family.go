// Package images answers the EC2 actions of machine images (describe, register, create
// from an instance, deregister, attributes) and the Systems Manager public parameters
// that name the latest public images (/aws/service/ami-amazon-linux-latest/..., ...).
// Both read the catalog of public images kept in the kit (kit/image.go), where RunInstances
// also checks the image it launches; the parameters are part of this family because they
// are nothing but names for the catalog's images in the request's region.
package images

import "vpcd/internal/control/kit"

// Images answers the actions of the family over the shared kit.
type Images struct{ *kit.Kit }
