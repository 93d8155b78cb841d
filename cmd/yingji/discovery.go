package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// A running server leaves a note, readable only by its user, saying where
// its HTTP API is for its MQTT broker's address, so that tools given only
// the broker (`yingji sim --broker 127.0.0.1:PORT`) find the API too.

type discovery struct {
	URL  string `json:"url"`
	MQTT string `json:"mqtt"`
	PID  int    `json:"pid"`
}

func discoveryPath(broker string) string {
	broker = strings.TrimPrefix(broker, "tcp://")
	name := strings.NewReplacer(":", "_", "/", "_", "[", "", "]", "").Replace(broker)
	return filepath.Join(os.TempDir(), "yingji-"+strings.TrimSpace(os.Getenv("USER")), "broker-"+name+".json")
}

// announce writes the note and returns a function that removes it.
func announce(url, broker string) func() {
	path := discoveryPath(broker)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return func() {}
	}
	data, _ := json.Marshal(discovery{URL: url, MQTT: broker, PID: os.Getpid()})
	tmp := path + ".tmp"
	if os.WriteFile(tmp, data, 0o600) != nil || os.Rename(tmp, path) != nil {
		return func() {}
	}
	return func() { os.Remove(path) }
}

// discover returns the API URL of the server running the broker, if a
// live one left a note.
func discover(broker string) (string, bool) {
	data, err := os.ReadFile(discoveryPath(broker))
	if err != nil {
		return "", false
	}
	var d discovery
	if json.Unmarshal(data, &d) != nil || d.URL == "" {
		return "", false
	}
	if p, err := os.FindProcess(d.PID); err != nil || p.Signal(syscall0) != nil {
		return "", false // the server that wrote it is gone
	}
	return d.URL, true
}
