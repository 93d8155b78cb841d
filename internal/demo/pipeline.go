package demo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/registry"
)

// pipelineRoute traces the China–Myanmar oil and gas corridor through the
// city: in from Mangshi across Longling's south-western border, past the
// Longling seat and Zhen'an, over the Nujiang into Longyang at Lujiang, up
// by Pupiao to the Baoshan basin and north-east out towards Yongping in
// Dali. The first and last points lie outside the city; the line is clipped
// to the city boundary. It is fixed, not seeded: it is geography.
var pipelineRoute = []orb.Point{
	{98.620, 24.530}, {98.665, 24.575}, {98.690, 24.585}, {98.705, 24.615}, {98.735, 24.640},
	{98.745, 24.670}, {98.775, 24.685}, {98.795, 24.705}, {98.790, 24.735}, {98.805, 24.760},
	{98.835, 24.775}, {98.845, 24.805}, {98.870, 24.830}, {98.865, 24.860}, {98.890, 24.885},
	{98.915, 24.925}, {98.950, 24.935}, {98.980, 24.960}, {99.010, 24.975}, {99.030, 25.010},
	{99.065, 25.015}, {99.090, 25.040}, {99.120, 25.045}, {99.145, 25.075}, {99.180, 25.085},
	{99.200, 25.110}, {99.215, 25.150}, {99.245, 25.170}, {99.260, 25.215}, {99.295, 25.235},
	{99.305, 25.262}, {99.340, 25.270}, {99.400, 25.280},
}

// The waypoints give the corridor; a pipeline in this terrain winds along
// slopes and valleys, which the meander adds: a sum of sine waves of
// unrelated wavelengths along the chainage, which looks irregular, sized so
// that the city section is the plan's 134 km.
const meanderStep = 250.0 // m between vertices

var meanderWaves = []struct{ amplitude, wavelength, phase float64 }{
	{198, 2300, 0}, {282, 3700, 1.3}, {334, 5900, 2.1}, {375, 11300, 0.4},
}

// pipelineMedia are the three lines of the corridor, each with its
// operator (in pipelineOperators order), its lateral offset from the
// corridor centre and its share of the 36 high-consequence areas.
var pipelineMedia = []struct {
	medium, line, code string
	offsetM            float64
	hcas, gradeIII     int
}{
	{"crude_oil", "中缅原油管道", "YY", -20, 12, 1},
	{"natural_gas", "中缅天然气管道", "TRQ", 0, 14, 2},
	{"refined_oil", "成品油管道保山支线", "CPY", 20, 10, 1},
}

// hcaLabels are the Roman numerals of the grades as written in Chinese.
var hcaLabels = map[string]string{"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ"}

// maxPlainKm is the longest ordinary segment; longer stretches are split
// so that an inspection patrol's beat is one record.
const maxPlainKm = 12.0

// pipelines adds the segments of the three lines, high-consequence areas
// among them. Every segment lies in one county.
func (g *gen) pipelines() error {
	operators := g.ents["oil_gas_pipeline"]
	if len(operators) != len(pipelineMedia) {
		return fmt.Errorf("demo: %d pipeline operators for %d lines", len(operators), len(pipelineMedia))
	}
	corridor := meander(pipelineRoute)
	for mi, m := range pipelineMedia {
		line, err := g.clip(offsetLine(corridor, m.offsetM))
		if err != nil {
			return fmt.Errorf("demo: %s: %w", m.line, err)
		}
		cum := chainage(line)
		parts := g.countyParts(line, cum)
		lengths := make([]float64, len(parts))
		for i, p := range parts {
			// A line that grazes a county for a few hundred metres gets
			// no high-consequence area there.
			if p.to-p.from >= 5000 {
				lengths[i] = p.to - p.from
			}
		}
		perPart := apportion(m.hcas, lengths)
		grades := make([]string, m.hcas)
		for i := range grades {
			grades[i] = "II"
		}
		for _, i := range g.rng.Perm(m.hcas)[:m.gradeIII] {
			grades[i] = "III"
		}
		owner := Ref{registry.KEnterprise, operators[mi].rec.Code}
		seq, h := 0, 0
		emit := func(from, to float64, c *county, hca string) {
			seq++
			sub := subLine(line, cum, from, to)
			what := c.div.Name + "段"
			attrs := map[string]any{"medium": m.medium, "length_km": round((to-from)/1000, 3)}
			if hca != "" {
				what = c.div.Name
				attrs["hca_grade"] = hca
			}
			name := m.line + what + stake(from) + "～" + stake(to)
			if hca != "" {
				name += hcaLabels[hca] + "级高后果区"
			}
			g.add(registry.KFacility, &Record{
				Code: fmt.Sprintf("GD-%s-%03d", m.code, seq), Name: g.unique(func() string { return name }),
				Category: "pipeline_segment", Status: "active", Division: c.div.Code, Owner: owner,
				Geometry: sub, Attrs: attrs,
			})
		}
		plain := func(from, to float64, c *county) {
			if to-from < 1 { // nothing left between two areas
				return
			}
			n := int(math.Ceil((to - from) / (maxPlainKm * 1000)))
			for k := range n {
				emit(from+(to-from)*float64(k)/float64(n), from+(to-from)*float64(k+1)/float64(n), c, "")
			}
		}
		for pi, p := range parts {
			cursor := p.from
			slot := (p.to - p.from) / math.Max(1, float64(perPart[pi]))
			for k := range perPart[pi] {
				length := g.uniform(400, math.Min(2500, 0.6*slot))
				start := p.from + float64(k)*slot + 100 + g.rng.Float64()*(slot-length-200)
				plain(cursor, start, p.county)
				emit(start, start+length, p.county, grades[h])
				cursor, h = start+length, h+1
			}
			plain(cursor, p.to, p.county)
		}
	}
	return nil
}

// stake writes a chainage in metres as a pipeline mile-post, K12+345.
func stake(m float64) string {
	km := int(m) / 1000
	return fmt.Sprintf("K%d+%03d", km, int(m)-km*1000)
}

// meander densifies the route and displaces it sideways along the chainage.
func meander(route []orb.Point) orb.LineString {
	out := orb.LineString{route[0]}
	s := 0.0
	for i := 1; i < len(route); i++ {
		a, b := route[i-1], route[i]
		d := geo.Distance(a, b)
		n := int(math.Ceil(d / meanderStep))
		nx, ny := normal(a, b)
		for j := 1; j <= n; j++ {
			f := float64(j) / float64(n)
			si := s + f*d
			off := 0.0
			for _, w := range meanderWaves {
				off += w.amplitude * math.Sin(2*math.Pi*si/w.wavelength+w.phase)
			}
			p := orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
			out = append(out, shift(p, nx*off, ny*off))
		}
		s += d
	}
	return out
}

// normal is the unit left-hand normal of a→b in metres (east, north).
func normal(a, b orb.Point) (float64, float64) {
	dx := (b[0] - a[0]) * math.Cos(a[1]*math.Pi/180)
	dy := b[1] - a[1]
	l := math.Hypot(dx, dy)
	if l == 0 {
		return 0, 0
	}
	return -dy / l, dx / l
}

// shift moves p by east and north metres.
func shift(p orb.Point, east, north float64) orb.Point {
	return orb.Point{p[0] + east/(metresPerDegree*math.Cos(p[1]*math.Pi/180)), p[1] + north/metresPerDegree}
}

// offsetLine moves every vertex sideways by m metres, along the normal of
// the line through its neighbours, to lay parallel lines in one corridor.
func offsetLine(ls orb.LineString, m float64) orb.LineString {
	out := make(orb.LineString, len(ls))
	for i := range ls {
		a, b := ls[max(0, i-1)], ls[min(len(ls)-1, i+1)]
		nx, ny := normal(a, b)
		out[i] = round6(shift(ls[i], nx*m, ny*m))
	}
	return out
}

// clip cuts the line to the part inside the city. The line must cross the
// boundary once at each end; the crossings are found by bisection and the
// inner end of the last interval is kept, so that the ends stay inside.
func (g *gen) clip(ls orb.LineString) (orb.LineString, error) {
	inside := func(p orb.Point) bool { _, ok := g.tree.Locate(p); return ok }
	first, last := -1, -1
	for i, p := range ls {
		if inside(p) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first <= 0 || last >= len(ls)-1 {
		return nil, fmt.Errorf("the route must start and end outside the city")
	}
	for i := first; i <= last; i++ {
		if !inside(ls[i]) {
			return nil, fmt.Errorf("vertex %d %v leaves the city", i, ls[i])
		}
	}
	cross := func(out, in orb.Point) orb.Point {
		for range 40 {
			mid := orb.Point{(out[0] + in[0]) / 2, (out[1] + in[1]) / 2}
			if inside(mid) {
				in = mid
			} else {
				out = mid
			}
		}
		return in
	}
	res := orb.LineString{cross(ls[first-1], ls[first])}
	res = append(res, ls[first:last+1]...)
	return append(res, cross(ls[last+1], ls[last])), nil
}

// chainage returns the distance in metres from the start to every vertex.
func chainage(ls orb.LineString) []float64 {
	cum := make([]float64, len(ls))
	for i := 1; i < len(ls); i++ {
		cum[i] = cum[i-1] + geo.Distance(ls[i-1], ls[i])
	}
	return cum
}

// part is a stretch of a line inside one county, by chainage in metres.
type part struct {
	county   *county
	from, to float64
}

// countyParts splits the line where it passes from one county into the
// next, finding each crossing to within a few centimetres.
func (g *gen) countyParts(ls orb.LineString, cum []float64) []part {
	countyAt := func(s float64) *county {
		d, _ := g.tree.Locate(pointAt(ls, cum, s))
		return g.byCode[d.Code]
	}
	var parts []part
	cur := part{county: countyAt(0)}
	for i := 1; i < len(ls); i++ {
		c := countyAt(cum[i])
		if c == cur.county {
			continue
		}
		lo, hi := cum[i-1], cum[i]
		for hi-lo > 0.05 {
			if mid := (lo + hi) / 2; countyAt(mid) == cur.county {
				lo = mid
			} else {
				hi = mid
			}
		}
		cur.to = lo
		parts = append(parts, cur)
		cur = part{county: c, from: lo}
	}
	cur.to = cum[len(cum)-1]
	return append(parts, cur)
}

// pointAt interpolates the point at chainage s.
func pointAt(ls orb.LineString, cum []float64, s float64) orb.Point {
	for i := 1; i < len(ls); i++ {
		if s <= cum[i] || i == len(ls)-1 {
			f := 0.0
			if d := cum[i] - cum[i-1]; d > 0 {
				f = math.Min(1, math.Max(0, (s-cum[i-1])/d))
			}
			a, b := ls[i-1], ls[i]
			return orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
		}
	}
	return ls[0]
}

// subLine returns the part of the line between two chainages.
func subLine(ls orb.LineString, cum []float64, from, to float64) orb.LineString {
	out := orb.LineString{pointAt(ls, cum, from)}
	for i, s := range cum {
		if s > from && s < to {
			out = append(out, ls[i])
		}
	}
	return append(out, pointAt(ls, cum, to))
}
