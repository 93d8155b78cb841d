// Package layout holds the test that keeps dependencies pointing one way
// (design.md): core imports only the standard library; domain packages
// import core and each other downward, never an adapter; adapters do not
// import each other; only cmd wires everything.
package layout

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/yingji/yingji/"

// adapters talk to a technology; domain packages must not import them.
var adapters = map[string]bool{"store": true, "httpapi": true, "bus": true, "mqtt": true, "webui": true}

func imports(t *testing.T) map[string][]string {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "github.com/yingji/yingji/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		deps[strings.TrimPrefix(p.ImportPath, module)] = p.Imports
	}
	return deps
}

func TestDependenciesPointOneWay(t *testing.T) {
	deps := imports(t)
	if len(deps) < 8 {
		t.Fatalf("go list found only %d packages", len(deps))
	}
	for pkg, imps := range deps {
		name := strings.TrimPrefix(pkg, "internal/")
		if strings.HasPrefix(pkg, "cmd/") || strings.Contains(name, "/") {
			continue // cmd wires; sub-packages such as store/storetest are test helpers
		}
		for _, imp := range imps {
			if pkg == "internal/core" && strings.Contains(imp, ".") {
				t.Errorf("core imports %s; it may use the standard library only", imp)
			}
			dep, ok := strings.CutPrefix(imp, module+"internal/")
			if !ok {
				continue
			}
			dep = strings.SplitN(dep, "/", 2)[0]
			switch {
			case !adapters[name] && adapters[dep]:
				t.Errorf("domain package %s imports adapter %s", name, dep)
			case adapters[name] && adapters[dep]:
				t.Errorf("adapter %s imports adapter %s", name, dep)
			}
		}
	}
}
