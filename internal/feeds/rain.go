package feeds

import (
	"bytes"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/models/landslide"
)

// ParseRain reads rain-gauge readings from a partner (the meteorological
// or natural-resources bureau) as CSV with the header gauge,t,mm: the
// gauge's code as registered, an RFC 3339 time and the rain of the
// interval ending then (not a running total).
func ParseRain(data []byte) ([]Event, error) {
	rs, err := landslide.ReadReadings(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("rain-csv: %w", err)
	}
	out := make([]Event, len(rs))
	for i, r := range rs {
		out[i] = Event{Type: Rain, Source: "rain", ID: r.Gauge + "|" + r.T.Format(time.RFC3339Nano), Time: r.T,
			Gauge: r.Gauge, MM: ptr(r.MM)}
	}
	return out, nil
}

// RainReading is the landslide reading of a rain event.
func RainReading(ev Event) (landslide.Reading, bool) {
	if ev.Type != Rain || ev.MM == nil {
		return landslide.Reading{}, false
	}
	return landslide.Reading{Gauge: ev.Gauge, T: ev.Time, MM: *ev.MM}, true
}
