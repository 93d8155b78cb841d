package core

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorText(t *testing.T) {
	var p Problems
	p.Add(0, "name", "is required")
	tests := []struct {
		err  error
		want string
	}{
		{Invalid("code", "bad %s", "x"), "code: bad x"},
		{p.Err(""), "name: is required"},
		{p.Err("1 problem; nothing was stored"), "1 problem; nothing was stored: name: is required"},
		{Errorf(ENOTFOUND, "alarm %d not found", 3), "alarm 3 not found"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if (Problems{}).Err("x") != nil {
		t.Error("no problems gave an error")
	}
}

func TestErrorCode(t *testing.T) {
	wrapped := fmt.Errorf("store: %w", Errorf(ECONFLICT, "taken"))
	if ErrorCode(wrapped) != ECONFLICT || ErrorMessage(wrapped) != "taken" {
		t.Errorf("wrapped: %s %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	plain := errors.New("disk on fire")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) != "internal error" {
		t.Error("an internal error's text leaked")
	}
	if ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
}
