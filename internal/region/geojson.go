package region

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// The GeoJSON is decoded by hand rather than with orb/geojson because that
// package silently turns a one-number position into (x, 0) and reports
// errors without saying which feature they came from.
type (
	featureCollectionDoc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	featureDoc struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Geometry   json.RawMessage            `json:"geometry"`
	}
	geometryDoc struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
)

// ParseBoundaries reads division boundaries from a GeoJSON
// FeatureCollection whose features are Polygons or MultiPolygons with a
// string property "code" (a well-formed division code, unique) and an
// optional property "center" ([lon, lat]). Rings must be closed and have at
// least four positions; coordinates must be valid lon/lat. A Polygon comes
// back as a one-element MultiPolygon so that callers handle one shape.
// Every bad feature is reported, each with its 0-based index in
// "features".
func ParseBoundaries(data []byte) (map[string]orb.MultiPolygon, map[string]orb.Point, error) {
	var fc featureCollectionDoc
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, nil, fmt.Errorf("boundaries: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, nil, fmt.Errorf("boundaries: type is %q, want \"FeatureCollection\"", fc.Type)
	}
	bounds := make(map[string]orb.MultiPolygon, len(fc.Features))
	centers := make(map[string]orb.Point, len(fc.Features))
	seen := make(map[string]int, len(fc.Features))
	var errs []error
	for i, raw := range fc.Features {
		code, mp, center, err := parseFeature(raw)
		if err == nil {
			if j, dup := seen[code]; dup {
				err = fmt.Errorf("duplicate of feature %d", j)
			}
		}
		if err != nil {
			if code != "" {
				err = fmt.Errorf("boundaries: feature %d (code %q): %w", i, code, err)
			} else {
				err = fmt.Errorf("boundaries: feature %d: %w", i, err)
			}
			errs = append(errs, err)
			continue
		}
		seen[code] = i
		bounds[code] = mp
		if center != nil {
			centers[code] = *center
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return bounds, centers, nil
}

// parseFeature decodes and checks one feature. The code is returned even
// when something else is wrong so the error can name it.
func parseFeature(raw json.RawMessage) (code string, mp orb.MultiPolygon, center *orb.Point, err error) {
	var f featureDoc
	if err := json.Unmarshal(raw, &f); err != nil {
		return "", nil, nil, err
	}
	if f.Type != "Feature" {
		return "", nil, nil, fmt.Errorf("type is %q, want \"Feature\"", f.Type)
	}
	rawCode, ok := f.Properties["code"]
	if !ok {
		return "", nil, nil, errors.New(`property "code" is missing`)
	}
	if err := json.Unmarshal(rawCode, &code); err != nil {
		return "", nil, nil, fmt.Errorf(`property "code" must be a string: %s`, rawCode)
	}
	if _, ok := CodeLevel(code); !ok {
		return code, nil, nil, errors.New(`property "code" is not a division code`)
	}
	if rawCenter, ok := f.Properties["center"]; ok && !isNull(rawCenter) {
		var pos []float64
		if err := json.Unmarshal(rawCenter, &pos); err != nil {
			return code, nil, nil, fmt.Errorf(`property "center": %w`, err)
		}
		p, err := toPoint(pos)
		if err != nil {
			return code, nil, nil, fmt.Errorf(`property "center": %w`, err)
		}
		center = &p
	}
	mp, err = parseGeometry(f.Geometry)
	if err != nil {
		return code, nil, nil, fmt.Errorf("geometry: %w", err)
	}
	return code, mp, center, nil
}

// parseGeometry decodes a Polygon or MultiPolygon geometry.
func parseGeometry(raw json.RawMessage) (orb.MultiPolygon, error) {
	if len(raw) == 0 || isNull(raw) {
		return nil, errors.New("missing")
	}
	var g geometryDoc
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	var polys [][][][]float64
	switch g.Type {
	case "Polygon":
		var poly [][][]float64
		if err := json.Unmarshal(g.Coordinates, &poly); err != nil {
			return nil, fmt.Errorf("coordinates: %w", err)
		}
		polys = [][][][]float64{poly}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, fmt.Errorf("coordinates: %w", err)
		}
	default:
		return nil, fmt.Errorf("type is %q, want \"Polygon\" or \"MultiPolygon\"", g.Type)
	}
	mp := make(orb.MultiPolygon, len(polys))
	for i, poly := range polys {
		mp[i] = make(orb.Polygon, len(poly))
		for j, ring := range poly {
			mp[i][j] = make(orb.Ring, len(ring))
			for k, pos := range ring {
				p, err := toPoint(pos)
				if err != nil {
					return nil, fmt.Errorf("polygon %d, ring %d, position %d: %w", i, j, k, err)
				}
				mp[i][j][k] = p
			}
		}
	}
	if err := checkMultiPolygon(mp); err != nil {
		return nil, err
	}
	return mp, nil
}

// checkMultiPolygon rejects shapes the planar algorithms cannot use: orb
// panics on a polygon without rings, and open or tiny rings make
// containment tests meaningless.
func checkMultiPolygon(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return errors.New("no polygons")
	}
	for i, poly := range mp {
		if len(poly) == 0 {
			return fmt.Errorf("polygon %d has no rings", i)
		}
		for j, ring := range poly {
			if len(ring) < 4 {
				return fmt.Errorf("polygon %d, ring %d has %d positions, want at least 4", i, j, len(ring))
			}
			if !ring.Closed() {
				return fmt.Errorf("polygon %d, ring %d is not closed", i, j)
			}
			for k, p := range ring {
				if !validLonLat(p) {
					return fmt.Errorf("polygon %d, ring %d, position %d: %v is not a lon/lat pair", i, j, k, p)
				}
			}
		}
	}
	return nil
}

// toPoint turns a GeoJSON position into a point; a third (altitude) number
// is allowed and ignored, as GeoJSON permits.
func toPoint(pos []float64) (orb.Point, error) {
	if len(pos) < 2 || len(pos) > 3 {
		return orb.Point{}, fmt.Errorf("has %d numbers, want [lon, lat]", len(pos))
	}
	p := orb.Point{pos[0], pos[1]}
	if !validLonLat(p) {
		return orb.Point{}, fmt.Errorf("%v is not a lon/lat pair", p)
	}
	return p, nil
}

// validLonLat reports whether p is a finite longitude/latitude pair; NaN
// would slip through orb's bound checks, which only compare.
func validLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) &&
		p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// isNull reports whether a raw JSON value is the literal null.
func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
