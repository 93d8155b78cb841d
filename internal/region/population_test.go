package region

import (
	"strings"
	"testing"
)

// The published figures the table must reproduce: the Yunnan bulletin's
// city total and the Longling bulletin's county total (表1).
func TestBaoshanPopulationPublishedTotals(t *testing.T) {
	tab, err := BaoshanPopulation()
	if err != nil {
		t.Fatal(err)
	}
	tree := baoshanTree(t)
	var counties int64
	for _, d := range tree.Children("530500") {
		f, ok := tab.Lookup(tree, d.Code)
		if !ok {
			t.Fatalf("no figure for county %s %s", d.Code, d.Name)
		}
		counties += f.Population
	}
	if counties != 2431211 {
		t.Errorf("counties sum to %d, the Yunnan bulletin gives the city 2431211", counties)
	}
	var towns int64
	for _, d := range tree.Children("530523") {
		f, ok := tab.Lookup(tree, d.Code)
		if !ok || f.Method != Census {
			t.Fatalf("township %s %s: %+v, %v; want a census figure", d.Code, d.Name, f, ok)
		}
		towns += f.Population
	}
	if towns != 272769 {
		t.Errorf("Longling townships sum to %d, the bulletin's county total is 272769", towns)
	}
}

func TestPopulation(t *testing.T) {
	for _, c := range []struct {
		code   string
		n      int64
		ok     bool
		method string
	}{
		{"530500", 2431211, true, "census"},
		{"530581", 642481, true, "census"},
		{"530502", 903081, true, "derived"},
		{"530523207", 7710, true, "census"},
		{"530581001", 0, false, ""}, // 腾越街道: no bulletin found
		{"999999", 0, false, ""},
	} {
		n, ok, src := Population(c.code)
		if n != c.n || ok != c.ok || !strings.HasPrefix(src, c.method) {
			t.Errorf("Population(%s) = %d, %v, %q; want %d, %v, %s…", c.code, n, ok, src, c.n, c.ok, c.method)
		}
	}
}

func TestPopulationSumsChildren(t *testing.T) {
	tab, err := ParsePopulation(strings.NewReader("code,name,population,method,source\n990101,A,10,census,a\n990102,B,5,census,b\n990103,C,1,census,c\n990104,U,2,derived,d\n"))
	if err != nil {
		t.Fatal(err)
	}
	tree := testTree(t)
	f, ok := tab.Lookup(tree, "990100")
	if !ok || f.Population != 18 || f.Method != Summed {
		t.Errorf("Lookup(990100) = %+v, %v; want the summed 18", f, ok)
	}
	// 990101 has its own row although its townships have none.
	if f, ok := tab.Lookup(tree, "990101"); !ok || f.Population != 10 {
		t.Errorf("Lookup(990101) = %+v, %v", f, ok)
	}
	// A township with no figure and a village below it with none: no sum.
	if f, ok := tab.Lookup(tree, "990101001"); ok {
		t.Errorf("Lookup(990101001) = %+v, want no figure", f)
	}
}

func TestParsePopulationErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"code,name,pop,method,source\n", `column 3 is "pop"`},
		{"code,name,population,method,source\n53050x,a,1,census,s\n", "line 2: code"},
		{"code,name,population,method,source\n530500,a,-1,census,s\n", "line 2: population"},
		{"code,name,population,method,source\n530500,a,1,guess,s\n", `method "guess"`},
		{"code,name,population,method,source\n530500,a,1,census,\n", "line 2: source"},
		{"code,name,population,method,source\n530500,a,1,census,s\n530500,a,1,census,s\n", "line 3: code 530500 is repeated"},
	} {
		_, err := ParsePopulation(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParsePopulation(%q) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}

func FuzzParsePopulation(f *testing.F) {
	f.Add(populationCSV)
	f.Add("code,name,population,method,source\n530500,a,1,census,s\n")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := ParsePopulation(strings.NewReader(in))
		if err != nil {
			// every error names the place: the header or a line.
			if msg := err.Error(); !strings.HasPrefix(msg, "population: ") || !strings.Contains(msg, "line") && !strings.Contains(msg, "header") {
				t.Fatalf("error %q names no line", msg)
			}
			return
		}
		for _, fig := range tab.All() {
			if fig.Population < 0 || fig.Source == "" {
				t.Fatalf("accepted %+v", fig)
			}
		}
	})
}
