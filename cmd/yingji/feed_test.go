package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestFeedParseCLI(t *testing.T) {
	var out bytes.Buffer
	if err := cmdFeed(context.Background(), []string{"parse", "firms-csv", "../../internal/feeds/testdata/firms_modis.csv"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var evs []struct {
		Type string `json:"type"`
		Time string `json:"time"`
	}
	if err := json.Unmarshal(out.Bytes(), &evs); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].Type != "hotspot" || evs[0].Time != "2024-03-15T00:41:00Z" {
		t.Errorf("%s", out.String())
	}
	err := cmdFeed(context.Background(), []string{"parse", "quakeml", "../../internal/feeds/testdata/cenc.json"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "cenc.json: quakeml") {
		t.Errorf("wrong kind: %v", err)
	}
	if err := cmdFeed(context.Background(), []string{"parse", "quakeml"}, io.Discard, io.Discard); err == nil {
		t.Error("missing file accepted")
	}
}
