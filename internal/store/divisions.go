package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/region"
)

// ImportDivisions inserts or updates divisions and boundaries in one
// transaction. Existing divisions not in divs are kept: records may refer to
// them. It returns how many were inserted and updated.
func (db *DB) ImportDivisions(ctx context.Context, divs []region.Division, bounds map[string]orb.MultiPolygon) (inserted, updated int, err error) {
	err = db.inTx(ctx, func(t *tx) error {
		inserted, updated = 0, 0
		for _, d := range divs {
			var lon, lat any
			if d.Center != nil {
				lon, lat = d.Center[0], d.Center[1]
			}
			var boundary any
			if mp, ok := bounds[d.Code]; ok {
				b, err := geo.MarshalGeometry(mp)
				if err != nil {
					return err
				}
				boundary = string(b)
			}
			res, err := t.exec(ctx, `UPDATE divisions SET name = ?, level = ?, parent_code = ?, center_lon = COALESCE(?, center_lon), center_lat = COALESCE(?, center_lat), boundary = COALESCE(?, boundary) WHERE code = ?`,
				d.Name, string(d.Level), d.ParentCode, lon, lat, boundary, d.Code)
			if err != nil {
				return fmt.Errorf("store: division %s: %w", d.Code, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				updated++
				continue
			}
			if _, err := t.exec(ctx, `INSERT INTO divisions (code, name, level, parent_code, center_lon, center_lat, boundary) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				d.Code, d.Name, string(d.Level), d.ParentCode, lon, lat, boundary); err != nil {
				return fmt.Errorf("store: division %s: %w", d.Code, err)
			}
			inserted++
		}
		summary := map[string]int{"inserted": inserted, "updated": updated, "boundaries": len(bounds)}
		return record(ctx, t, "import", "division", int64(len(divs)), "", nil, summary)
	})
	return inserted, updated, err
}

// LoadDivisions reads every division and boundary, to build the tree.
func (db *DB) LoadDivisions(ctx context.Context) ([]region.Division, map[string]orb.MultiPolygon, error) {
	rows, err := db.query(ctx, `SELECT code, name, level, parent_code, center_lon, center_lat, boundary FROM divisions ORDER BY code`)
	if err != nil {
		return nil, nil, fmt.Errorf("store: load divisions: %w", err)
	}
	defer rows.Close()
	var divs []region.Division
	bounds := map[string]orb.MultiPolygon{}
	for rows.Next() {
		var d region.Division
		var level string
		var lon, lat sql.NullFloat64
		var boundary sql.NullString
		if err := rows.Scan(&d.Code, &d.Name, &level, &d.ParentCode, &lon, &lat, &boundary); err != nil {
			return nil, nil, err
		}
		d.Level = region.Level(level)
		if lon.Valid && lat.Valid {
			d.Center = &orb.Point{lon.Float64, lat.Float64}
		}
		if boundary.Valid {
			g, err := geo.ParseGeometry([]byte(boundary.String))
			if err != nil {
				return nil, nil, fmt.Errorf("store: boundary of %s: %w", d.Code, err)
			}
			switch v := g.(type) {
			case orb.Polygon:
				bounds[d.Code] = orb.MultiPolygon{v}
			case orb.MultiPolygon:
				bounds[d.Code] = v
			default:
				return nil, nil, fmt.Errorf("store: boundary of %s is a %s", d.Code, g.GeoJSONType())
			}
		}
		divs = append(divs, d)
	}
	return divs, bounds, rows.Err()
}
