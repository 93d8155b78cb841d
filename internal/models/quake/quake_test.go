package quake

import (
	"encoding/json"
	"math"
	"testing"
)

// The regression of Yu et al. (2013) ties the two axes together at the
// epicentre: both give the same intensity at R = 0. With the printed
// coefficients (four decimals) they agree to 0.001 in every region, and
// only with base-10 logarithms: with natural logarithms they differ by
// more than a degree.
func TestAxesAgreeAtEpicentre(t *testing.T) {
	for _, r := range Relations {
		for _, m := range []float64{4, 6, 8} {
			a, b := r.Major.Intensity(m, 0), r.Minor.Intensity(m, 0)
			if math.Abs(a-b) > 0.001 {
				t.Errorf("%s M%v: long axis %v, short axis %v at R=0", r.Name, m, a, b)
			}
			lnA := r.Major.A + r.Major.B*m - r.Major.C*math.Log(r.Major.R0)
			lnB := r.Minor.A + r.Minor.B*m - r.Minor.C*math.Log(r.Minor.R0)
			if math.Abs(lnA-lnB) < 0.5 {
				t.Errorf("%s: natural logarithms also agree (%v, %v): the check cannot tell the base", r.Name, lnA, lnB)
			}
		}
	}
}

// Observed epicentral intensities of Yunnan earthquakes against the
// Qinghai-Tibet relation, to the whole degree the intensity maps give:
// the 2021-05-21 Yangbi Ms 6.4 (China Earthquake Administration intensity
// map: highest VIII) and the 1976-05-29 Longling Ms 7.4 (highest IX).
func TestYunnanEpicentralIntensities(t *testing.T) {
	for _, c := range []struct {
		name string
		m    float64
		want int
	}{{"Yangbi 2021", 6.4, 8}, {"Longling 1976", 7.4, 9}} {
		if got := int(math.Floor(QinghaiTibet.Epicentral(c.m))); got != c.want {
			t.Errorf("%s Ms%v: epicentral %v (%d), observed %d", c.name, c.m, QinghaiTibet.Epicentral(c.m), got, c.want)
		}
	}
}

func TestRadiusInvertsIntensity(t *testing.T) {
	for _, x := range []Axis{QinghaiTibet.Major, QinghaiTibet.Minor} {
		for _, i := range []float64{6, 7, 8} {
			r := x.Radius(7, i)
			if got := x.Intensity(7, r); math.Abs(got-i) > 1e-9 {
				t.Errorf("Intensity(Radius(%v)) = %v", i, got)
			}
		}
	}
}

func TestIntensityAt(t *testing.T) {
	ev := Event{Lon: 99.1, Lat: 25.1, DepthKm: 10, Magnitude: 7}
	r := QinghaiTibet
	a6, b6, _ := r.Radii(7, 6)
	a7, b7, _ := r.Radii(7, 7)
	if a6 <= b6 || a7 <= b7 || a6 <= a7 {
		t.Fatalf("radii VI %v×%v, VII %v×%v", a6, b6, a7, b7)
	}
	for _, c := range []struct {
		name string
		u, v float64
		want float64
	}{
		{"long axis at the VI radius", a6, 0, 6},
		{"short axis at the VII radius", 0, -b7, 7},
		{"on the VII ellipse at 60°", a7 * math.Cos(math.Pi/3), b7 * math.Sin(math.Pi/3), 7},
	} {
		lon, lat := ev.LonLat(c.u, c.v)
		if got := r.IntensityAt(ev, lon, lat); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if got := r.IntensityAt(ev, ev.Lon, ev.Lat); got != r.Epicentral(7) {
		t.Errorf("epicentre: %v", got)
	}
	// Turning the long axis to the east puts the long VI radius there.
	ev.Azimuth = 90
	lon, lat := ev.Lon+a6/(earthKm*math.Pi/180*math.Cos(ev.Lat*math.Pi/180)), ev.Lat
	if got := r.IntensityAt(ev, lon, lat); math.Abs(got-6) > 1e-6 {
		t.Errorf("azimuth 90, VI radius to the east: %v", got)
	}
}

func TestLocalRoundTrip(t *testing.T) {
	ev := Event{Lon: 98.5, Lat: 25, Azimuth: 33}
	lon, lat := ev.LonLat(12.5, -40)
	if u, v := ev.Local(lon, lat); math.Abs(u-12.5) > 1e-9 || math.Abs(v+40) > 1e-9 {
		t.Errorf("round trip: %v, %v", u, v)
	}
}

func TestBands(t *testing.T) {
	ev := Event{Lon: 99.1, Lat: 25.1, DepthKm: 10, Magnitude: 7, Azimuth: 20}
	bands, err := QinghaiTibet.Bands(ev, 6)
	if err != nil {
		t.Fatal(err)
	}
	// I0 = 0.208 + 1.2746·7 = 9.13: bands VI, VII, VIII, IX.
	if len(bands) != 4 || bands[0].Roman != "VI" || bands[3].Intensity != 9 {
		t.Fatalf("bands %+v", bands)
	}
	for k, b := range bands {
		if k < 3 && len(b.Polygon) != 2 || k == 3 && len(b.Polygon) != 1 {
			t.Errorf("band %s has %d rings", b.Roman, len(b.Polygon))
		}
		if b.AreaKm2 <= 0 {
			t.Errorf("band %s area %v", b.Roman, b.AreaKm2)
		}
		// a vertex of the outer ring is on the isoseismal
		p := b.Outer[7]
		if got := QinghaiTibet.IntensityAt(ev, p[0], p[1]); math.Abs(got-float64(b.Intensity)) > 1e-6 {
			t.Errorf("band %s: vertex intensity %v", b.Roman, got)
		}
	}
	if _, err := json.Marshal(FeatureCollection(bands)); err != nil {
		t.Fatal(err)
	}
	if _, err := QinghaiTibet.Bands(Event{Lon: 99, Lat: 25, Magnitude: 12}, 6); err == nil {
		t.Error("magnitude 12 accepted")
	}
	small, _ := QinghaiTibet.Bands(Event{Lon: 99, Lat: 25, Magnitude: 3}, 6)
	if len(small) != 0 {
		t.Errorf("M3 gives bands %+v", small)
	}
}
