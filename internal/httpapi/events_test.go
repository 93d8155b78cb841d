package httpapi

import (
	"testing"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/registry"
)

func TestLiveFeedScope(t *testing.T) {
	ev := func(div string, ent int64) LiveEvent {
		return LiveEvent{Type: "alarm", Division: div, EnterpriseID: ent}
	}
	tests := []struct {
		name  string
		actor *core.Actor
		event LiveEvent
		want  bool
	}{
		{"city sees a village", &core.Actor{Division: "530500"}, ev("530502001001", 0), true},
		{"county sees its township", &core.Actor{Division: "530502"}, ev("530502001", 0), true},
		{"county does not see another", &core.Actor{Division: "530502"}, ev("530581001", 0), false},
		{"enterprise sees its own", &core.Actor{Division: "530502", EnterpriseID: 7}, ev("530502001", 7), true},
		{"enterprise does not see another's", &core.Actor{Division: "530502", EnterpriseID: 7}, ev("530502001", 8), false},
		{"no actor sees nothing", nil, ev("530502", 0), false},
		{"system sees all", core.SystemActor, ev("110101", 0), true},
	}
	for _, tt := range tests {
		if got := visible(registry.ScopeOf(tt.actor), tt.event); got != tt.want {
			t.Errorf("%s: visible = %v, want %v", tt.name, got, tt.want)
		}
	}
}
