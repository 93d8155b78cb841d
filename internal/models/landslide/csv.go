package landslide

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// readCSV reads a CSV whose header holds the wanted columns (any order,
// more allowed) and calls row for each record with the columns' values;
// errors name the line and column.
func readCSV(r io.Reader, want []string, optional map[string]bool, row func(line int, get func(string) string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("line 1: empty file, want the header %s", strings.Join(want, ","))
	}
	if err != nil {
		return fmt.Errorf("line 1: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, w := range want {
		if _, ok := idx[w]; !ok && !optional[w] {
			return fmt.Errorf("line 1: no column %q (want %s)", w, strings.Join(want, ","))
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		get := func(col string) string {
			i, ok := idx[col]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if err := row(line, get); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
}

func parseFloat(col, s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(v) {
		return 0, fmt.Errorf("%s: %q is not a number", col, s)
	}
	return v, nil
}

// ReadGauges reads id,lon,lat rows.
func ReadGauges(r io.Reader) ([]Gauge, error) {
	var out []Gauge
	err := readCSV(r, []string{"id", "lon", "lat"}, nil, func(_ int, get func(string) string) error {
		g := Gauge{ID: get("id")}
		if g.ID == "" {
			return fmt.Errorf("id: empty")
		}
		var err error
		if g.Lon, err = parseFloat("lon", get("lon")); err != nil {
			return err
		}
		if g.Lat, err = parseFloat("lat", get("lat")); err != nil {
			return err
		}
		if !validLonLat(g.Lon, g.Lat) {
			return fmt.Errorf("lon/lat: %v, %v is not a position", g.Lon, g.Lat)
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

// ReadPoints reads id,lon,lat[,zone] rows.
func ReadPoints(r io.Reader) ([]Point, error) {
	var out []Point
	err := readCSV(r, []string{"id", "lon", "lat", "zone"}, map[string]bool{"zone": true}, func(_ int, get func(string) string) error {
		p := Point{ID: get("id"), Zone: get("zone")}
		if p.ID == "" {
			return fmt.Errorf("id: empty")
		}
		var err error
		if p.Lon, err = parseFloat("lon", get("lon")); err != nil {
			return err
		}
		if p.Lat, err = parseFloat("lat", get("lat")); err != nil {
			return err
		}
		if !validLonLat(p.Lon, p.Lat) {
			return fmt.Errorf("lon/lat: %v, %v is not a position", p.Lon, p.Lat)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// ReadReadings reads gauge,t,mm rows; t is RFC 3339.
func ReadReadings(r io.Reader) ([]Reading, error) {
	var out []Reading
	err := readCSV(r, []string{"gauge", "t", "mm"}, nil, func(_ int, get func(string) string) error {
		rd := Reading{Gauge: get("gauge")}
		if rd.Gauge == "" {
			return fmt.Errorf("gauge: empty")
		}
		t, err := time.Parse(time.RFC3339, get("t"))
		if err != nil {
			return fmt.Errorf("t: %q is not an RFC 3339 time", get("t"))
		}
		rd.T = t.UTC()
		if rd.MM, err = parseFloat("mm", get("mm")); err != nil {
			return err
		}
		if rd.MM < 0 {
			return fmt.Errorf("mm: %v is negative", rd.MM)
		}
		out = append(out, rd)
		return nil
	})
	return out, err
}
