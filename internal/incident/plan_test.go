package incident

import (
	"testing"
	"time"
)

func seedPlans(t *testing.T) ([]*Plan, *Catalog) {
	c, err := NewCatalog(SeedTypes())
	if err != nil {
		t.Fatal(err)
	}
	var out []*Plan
	for i, p := range SeedPlans() {
		p := p
		p.ID = int64(i + 1)
		if probs := p.Validate(c); len(probs) > 0 {
			t.Fatalf("seed plan %s: %v", p.Code, probs)
		}
		out = append(out, &p)
	}
	return out, c
}

func TestSuggest(t *testing.T) {
	plans, _ := seedPlans(t)
	// a landslide with 12 dead is 大型 (重大): the geohazard plan, Ⅱ级响应.
	got := Suggest(plans, "natural.geohazard.landslide", Major, Figures{Deaths: 12})
	if len(got) != 1 || got[0].Code != "BS-YA-DZZH" || got[0].Level != 2 {
		t.Fatalf("suggestions %+v", got)
	}
	// an ordinary landslide with 12 people trapped reaches Ⅱ by the trapped bound.
	got = Suggest(plans, "natural.geohazard.landslide", Ordinary, Figures{Trapped: 12})
	if got[0].Level != 2 {
		t.Errorf("trapped 12: level %d (%s)", got[0].Level, got[0].Reason)
	}
	// a fireworks accident is covered by the hazardous-chemicals plan.
	got = Suggest(plans, "accident.fireworks", Large, Figures{Deaths: 3})
	if len(got) != 1 || got[0].Code != "BS-YA-WHP" || got[0].Level != 3 {
		t.Errorf("fireworks: %+v", got)
	}
	if len(Suggest(plans, "social.mass", Major, Figures{})) != 0 {
		t.Error("a plan was offered for an event no plan covers")
	}
}

func TestActivationTasks(t *testing.T) {
	plans, _ := seedPlans(t)
	var hazchem *Plan
	for _, p := range plans {
		if p.Code == "BS-YA-WHP" {
			hazchem = p
		}
	}
	l, ok := hazchem.LevelOf(2)
	if !ok {
		t.Fatal("no level 2")
	}
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	tasks := l.TasksFor(hazchem.Code, now)
	if len(tasks) != len(l.Tasks) || len(tasks) == 0 {
		t.Fatalf("%d tasks", len(tasks))
	}
	for i, task := range tasks {
		if task.Owner == "" || task.Status != TaskOpen {
			t.Errorf("task %d: %+v", i, task)
		}
		if want := now.Add(time.Duration(l.Tasks[i].DueMin) * time.Minute); !task.Due.Equal(want) {
			t.Errorf("task %d due %v, want %v", i, task.Due, want)
		}
	}
}

func TestPlanValidate(t *testing.T) {
	_, c := seedPlans(t)
	p := Plan{Code: "X", Name: "x", Types: []string{"nope"}, Levels: []PlanLevel{{Level: 5}, {Level: 1, Trigger: Trigger{Grade: 1}, Tasks: []TaskTemplate{{Title: "a"}}}}}
	probs := p.Validate(c)
	want := map[string]bool{"types[0]": true, "levels[0].level": true, "levels[0].trigger": true, "levels[1].tasks[0].owner": true, "levels[1].tasks[0].due_min": true}
	for _, pr := range probs {
		delete(want, pr.Field)
	}
	if len(want) > 0 {
		t.Errorf("not reported: %v (got %v)", want, probs)
	}
}
