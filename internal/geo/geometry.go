package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// wantTypes is quoted in every type error so a client developer can fix the
// request without reading our documentation.
const wantTypes = "want Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon"

// ParseGeometry decodes and validates a GeoJSON geometry object (RFC 7946
// section 3.1). Decoding is done by hand rather than with orb/geojson so that
// every error can name the offending position, e.g.
// "coordinates[0][3]: latitude 95 is outside [-90, 90]"; incident reports are
// often hand-edited and a bare "invalid geometry" gets nobody anywhere.
//
// Beyond well-formedness it rejects empty geometries, non-finite or
// out-of-range positions, LineStrings with fewer than two positions and
// polygon rings that are unclosed or have fewer than four positions. A third
// (altitude) element in a position is accepted and dropped.
// GeometryCollection is not accepted.
func ParseGeometry(data []byte) (orb.Geometry, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid GeoJSON geometry: %w", err)
	}
	if doc == nil {
		return nil, errors.New("invalid GeoJSON geometry: got null, want an object")
	}
	rawType, ok := doc["type"]
	if !ok {
		return nil, errors.New(`missing "type"`)
	}
	var typ string
	if err := json.Unmarshal(rawType, &typ); err != nil {
		return nil, fmt.Errorf(`"type" must be a string: %w`, err)
	}
	parse, ok := parsers[typ]
	if !ok {
		if typ == "GeometryCollection" {
			return nil, fmt.Errorf("type %q is not supported (%s)", typ, wantTypes)
		}
		return nil, fmt.Errorf("type %q is not a GeoJSON geometry type (%s)", typ, wantTypes)
	}
	rawCoords, ok := doc["coordinates"]
	if !ok || bytes.Equal(bytes.TrimSpace(rawCoords), []byte("null")) {
		return nil, fmt.Errorf(`%s is missing "coordinates"`, typ)
	}
	g, err := parse("coordinates", rawCoords)
	if err != nil {
		// Never hand back a half-built geometry next to an error.
		return nil, err
	}
	return g, nil
}

// parsers decodes the "coordinates" member for each accepted type.
var parsers = map[string]func(path string, raw json.RawMessage) (orb.Geometry, error){
	"Point": func(path string, raw json.RawMessage) (orb.Geometry, error) {
		return parsePosition(path, raw)
	},
	"MultiPoint": func(path string, raw json.RawMessage) (orb.Geometry, error) {
		ps, err := parsePositions(path, raw, 1)
		return orb.MultiPoint(ps), err
	},
	"LineString": func(path string, raw json.RawMessage) (orb.Geometry, error) {
		return parseLineString(path, raw)
	},
	"MultiLineString": func(path string, raw json.RawMessage) (orb.Geometry, error) {
		var mls orb.MultiLineString
		err := eachElement(path, raw, "line", func(p string, r json.RawMessage) error {
			ls, err := parseLineString(p, r)
			mls = append(mls, ls)
			return err
		})
		return mls, err
	},
	"Polygon": func(path string, raw json.RawMessage) (orb.Geometry, error) {
		return parsePolygon(path, raw)
	},
	"MultiPolygon": func(path string, raw json.RawMessage) (orb.Geometry, error) {
		var mp orb.MultiPolygon
		err := eachElement(path, raw, "polygon", func(p string, r json.RawMessage) error {
			poly, err := parsePolygon(p, r)
			mp = append(mp, poly)
			return err
		})
		return mp, err
	},
}

// eachElement decodes raw as a non-empty JSON array and calls fn for every
// element with the element's path, stopping at the first error.
func eachElement(path string, raw json.RawMessage, what string, fn func(string, json.RawMessage) error) error {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return fmt.Errorf("%s: want an array: %w", path, err)
	}
	if len(elems) == 0 {
		return fmt.Errorf("%s: empty array, want at least one %s", path, what)
	}
	for i, e := range elems {
		if err := fn(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
			return err
		}
	}
	return nil
}

func parseLineString(path string, raw json.RawMessage) (orb.LineString, error) {
	ps, err := parsePositions(path, raw, 2)
	return orb.LineString(ps), err
}

func parsePolygon(path string, raw json.RawMessage) (orb.Polygon, error) {
	var poly orb.Polygon
	err := eachElement(path, raw, "ring", func(p string, r json.RawMessage) error {
		ring, err := parsePositions(p, r, 4)
		if err != nil {
			return err
		}
		if first, last := ring[0], ring[len(ring)-1]; first != last {
			return fmt.Errorf("%s: ring is not closed: first position %s differs from last %s",
				p, formatPoint(first), formatPoint(last))
		}
		poly = append(poly, orb.Ring(ring))
		return nil
	})
	return poly, err
}

// parsePositions decodes an array of at least minLen positions.
func parsePositions(path string, raw json.RawMessage, minLen int) ([]orb.Point, error) {
	var ps []orb.Point
	err := eachElement(path, raw, "position", func(p string, r json.RawMessage) error {
		pt, err := parsePosition(p, r)
		ps = append(ps, pt)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(ps) < minLen {
		return nil, fmt.Errorf("%s: %d positions, want at least %d", path, len(ps), minLen)
	}
	return ps, nil
}

// parsePosition decodes [lon, lat] or [lon, lat, alt] and range-checks it.
func parsePosition(path string, raw json.RawMessage) (orb.Point, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return orb.Point{}, fmt.Errorf("%s: want a position [longitude, latitude]: %w", path, err)
	}
	if len(elems) < 2 || len(elems) > 3 {
		return orb.Point{}, fmt.Errorf("%s: position has %d elements, want 2 or 3 (longitude, latitude[, altitude])",
			path, len(elems))
	}
	var vals [3]float64
	for i, e := range elems {
		var v *float64
		if err := json.Unmarshal(e, &v); err != nil {
			return orb.Point{}, fmt.Errorf("%s[%d]: want a number: %w", path, i, err)
		}
		if v == nil {
			return orb.Point{}, fmt.Errorf("%s[%d]: want a number, got null", path, i)
		}
		vals[i] = *v
	}
	pt := orb.Point{vals[0], vals[1]}
	return pt, checkPoint(path, pt)
}

// checkPoint enforces the WGS84-style ranges. JSON cannot carry NaN or
// infinity, but the check is cheap and keeps the guarantee independent of
// the decoder.
func checkPoint(path string, pt orb.Point) error {
	lon, lat := pt[0], pt[1]
	switch {
	case math.IsNaN(lon) || math.IsInf(lon, 0):
		return fmt.Errorf("%s: longitude %g is not finite", path, lon)
	case math.IsNaN(lat) || math.IsInf(lat, 0):
		return fmt.Errorf("%s: latitude %g is not finite", path, lat)
	case lon < -180 || lon > 180:
		return fmt.Errorf("%s: longitude %g is outside [-180, 180]", path, lon)
	case lat < -90 || lat > 90:
		return fmt.Errorf("%s: latitude %g is outside [-90, 90]", path, lat)
	}
	return nil
}

func formatPoint(p orb.Point) string {
	return fmt.Sprintf("[%g, %g]", p[0], p[1])
}

// geometryDoc is the wire form written by MarshalGeometry. orb's slice and
// array types already encode as nested JSON arrays.
type geometryDoc struct {
	Type        string       `json:"type"`
	Coordinates orb.Geometry `json:"coordinates"`
}

// MarshalGeometry encodes g as a GeoJSON geometry object, the inverse of
// ParseGeometry. A Ring or Bound is written as a Polygon since GeoJSON has no
// such types; a Collection is refused because ParseGeometry would not read
// it back.
func MarshalGeometry(g orb.Geometry) ([]byte, error) {
	switch v := g.(type) {
	case nil:
		return nil, errors.New("cannot marshal a nil geometry")
	case orb.Collection:
		return nil, errors.New("cannot marshal a GeometryCollection: not supported")
	case orb.Ring:
		g = orb.Polygon{v}
	case orb.Bound:
		g = v.ToPolygon()
	}
	data, err := json.Marshal(geometryDoc{Type: g.GeoJSONType(), Coordinates: g})
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", g.GeoJSONType(), err)
	}
	return data, nil
}

// Transform returns a copy of g with every position converted from sys to
// WGS84. It always copies, even for WGS84, so callers may modify the result
// without aliasing the input.
func Transform(g orb.Geometry, sys System) orb.Geometry {
	if g == nil {
		return nil
	}
	out := orb.Clone(g)
	if sys == WGS84 {
		return out
	}
	return mapPoints(out, func(p *orb.Point) {
		p[0], p[1] = ToWGS84(sys, p[0], p[1])
	})
}

// mapPoints calls fn on the address of every position in g, which must not
// be shared, and returns the result. Slice-backed geometries are rewritten in
// place; value types (Point, Bound) come back as modified copies, which is
// why the result must be used rather than g.
func mapPoints(g orb.Geometry, fn func(*orb.Point)) orb.Geometry {
	switch v := g.(type) {
	case orb.Point:
		fn(&v)
		return v
	case orb.Bound:
		fn(&v.Min)
		fn(&v.Max)
		return v
	case orb.MultiPoint:
		for i := range v {
			fn(&v[i])
		}
	case orb.LineString:
		mapPoints(orb.MultiPoint(v), fn)
	case orb.Ring:
		mapPoints(orb.MultiPoint(v), fn)
	case orb.MultiLineString:
		for _, ls := range v {
			mapPoints(orb.MultiPoint(ls), fn)
		}
	case orb.Polygon:
		for _, r := range v {
			mapPoints(orb.MultiPoint(r), fn)
		}
	case orb.MultiPolygon:
		for _, p := range v {
			mapPoints(p, fn)
		}
	case orb.Collection:
		for i, c := range v {
			v[i] = mapPoints(c, fn)
		}
	}
	return g
}
