// Package geo holds the coordinate handling shared by Yingji's services:
// conversion between the datums used by Chinese map providers and WGS84,
// strict parsing of GeoJSON geometries, and a few measurements on them.
//
// Everything stored by Yingji is WGS84 (longitude, latitude in degrees).
// Data arriving from Amap/Tencent (GCJ-02) or Baidu (BD-09) must be brought
// to WGS84 at the boundary; otherwise features drawn from different sources
// disagree by several hundred metres, which is enough to put a rescue team
// on the wrong side of a river.
package geo

import (
	"fmt"
	"math"
	"strings"
)

// System names a geographic coordinate system a client may send positions in.
type System string

// The coordinate systems Yingji accepts. WGS84 is the storage system; the
// other two are the obfuscated systems mandated for maps published in China.
const (
	// WGS84 is the GPS datum and the one used for storage.
	WGS84 System = "wgs84"
	// GCJ02 is the state-mandated "Mars" offset used by Amap, Tencent and
	// Google's China tiles.
	GCJ02 System = "gcj02"
	// BD09 is Baidu's additional offset on top of GCJ-02.
	BD09 System = "bd09"
)

// ParseSystem maps a client-supplied name to a System, ignoring letter case
// and surrounding space. The empty string means WGS84 so that clients which
// know nothing about Chinese datums keep working.
func ParseSystem(s string) (System, error) {
	switch sys := System(strings.ToLower(strings.TrimSpace(s))); sys {
	case "":
		return WGS84, nil
	case WGS84, GCJ02, BD09:
		return sys, nil
	}
	return "", fmt.Errorf("unknown coordinate system %q (want %s, %s or %s)", s, WGS84, GCJ02, BD09)
}

// ToWGS84 converts a position given in sys to WGS84. An unrecognised System
// is treated as WGS84: values are expected to come from ParseSystem, and
// moving a position by guesswork would be worse than leaving it alone.
func ToWGS84(sys System, lon, lat float64) (float64, float64) {
	switch sys {
	case GCJ02:
		return gcjToWGS(lon, lat)
	case BD09:
		return gcjToWGS(bdToGCJ(lon, lat))
	}
	return lon, lat
}

// FromWGS84 converts a WGS84 position to sys, e.g. to hand coordinates to a
// Chinese map SDK. An unrecognised System is treated as WGS84, as in ToWGS84.
func FromWGS84(sys System, lon, lat float64) (float64, float64) {
	switch sys {
	case GCJ02:
		return wgsToGCJ(lon, lat)
	case BD09:
		return gcjToBD(wgsToGCJ(lon, lat))
	}
	return lon, lat
}

// Parameters of the GCJ-02 obfuscation, which is defined on the Krasovsky
// 1940 ellipsoid rather than WGS84's.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
	// xPi is the scaled pi used by Baidu's rotation-and-scale offset.
	xPi = math.Pi * 3000.0 / 180.0
)

// Iteration limits for the numeric inverses. The forward transforms are
// close to the identity (their Jacobian differs from it by ~1e-3), so the
// fixed-point iteration gains about three digits per step and settles within
// a handful of steps; the caps only guard against oscillation at the edge of
// the China bounding box.
const (
	inverseTolerance = 1e-12
	inverseMaxSteps  = 30
)

// outOfChina reports whether a position lies outside the bounding box within
// which GCJ-02 is applied. The box is the one used by the widely deployed
// open-source implementations (eviltransform and descendants); it is generous
// enough to include Mohe in the far north and the Nansha islands.
func outOfChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// wgsToGCJ applies the GCJ-02 offset. Positions outside China are returned
// unchanged because foreign map data is published in WGS84.
func wgsToGCJ(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	dLon, dLat := gcjDelta(lon, lat)
	return lon + dLon, lat + dLat
}

// gcjToWGS inverts wgsToGCJ. The popular one-step approximation
// (wgs = gcj - delta(gcj)) is off by up to ~5e-5 degrees (about five metres)
// in parts of China, so we iterate w <- w - (f(w) - g) until f(w)
// reproduces the input.
func gcjToWGS(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	wLon, wLat := lon, lat
	for range inverseMaxSteps {
		gLon, gLat := wgsToGCJ(wLon, wLat)
		eLon, eLat := gLon-lon, gLat-lat
		wLon -= eLon
		wLat -= eLat
		if math.Abs(eLon) < inverseTolerance && math.Abs(eLat) < inverseTolerance {
			break
		}
	}
	return wLon, wLat
}

// gcjDelta returns the GCJ-02 offset in degrees for a WGS84 position.
func gcjDelta(lon, lat float64) (float64, float64) {
	x, y := lon-105.0, lat-35.0
	dLat := gcjTransformLat(x, y)
	dLon := gcjTransformLon(x, y)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

// gcjTransformLat and gcjTransformLon are the leaked GCJ-02 noise
// polynomials; the coefficients must match the reference bit for bit or
// positions drift from what Chinese map tiles show.
func gcjTransformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjTransformLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// gcjToBD applies Baidu's offset with the standard x_pi formulas. Baidu
// applies it worldwide, so there is no bounding-box test here.
func gcjToBD(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*xPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*xPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// bdToGCJ inverts gcjToBD. The standard closed-form inverse is only accurate
// to ~2e-6 degrees (a couple of decimetres), so it serves as the starting
// guess for the same fixed-point refinement used for GCJ-02; that keeps
// BD-09 round trips exact to well below a millimetre.
func bdToGCJ(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	gLon, gLat := z*math.Cos(theta), z*math.Sin(theta)
	for range inverseMaxSteps {
		bLon, bLat := gcjToBD(gLon, gLat)
		eLon, eLat := bLon-lon, bLat-lat
		gLon -= eLon
		gLat -= eLat
		if math.Abs(eLon) < inverseTolerance && math.Abs(eLat) < inverseTolerance {
			break
		}
	}
	return gLon, gLat
}
