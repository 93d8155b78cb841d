package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/mqtt"
)

// TestMain lets a test run this binary as the real server in a child
// process (YINGJI_TEST_SERVE holds its arguments), so that it can be killed
// with SIGKILL.
func TestMain(m *testing.M) {
	// these tests sign in as admin with a password; security_test.go
	// covers the two-factor default.
	os.Setenv("YINGJI_MFA_ROLES", "")
	if args := os.Getenv("YINGJI_TEST_SERVE"); args != "" {
		ctx := context.Background()
		if err := run(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "yingji:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child starts the server in a child process and returns its URL.
func child(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "YINGJI_TEST_SERVE="+strings.Join(append([]string{"serve"}, args...), "\x1f"), "YINGJI_ADMIN_PASSWORD="+adminPassword, "YINGJI_SYSADMIN_PASSWORD="+adminPassword,
		"YINGJI_SECADMIN_PASSWORD="+adminPassword, "YINGJI_AUDITADMIN_PASSWORD="+adminPassword)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, url, ok := strings.Cut(sc.Text(), "is running at "); ok {
				urls <- url
			}
		}
	}()
	select {
	case url := <-urls:
		return cmd, url
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("the server did not start")
	}
	return nil, ""
}

// TestKill9LosesNoAcknowledgedReading publishes QoS 1 readings as fast as
// the server acknowledges them, kills the server with SIGKILL in the middle,
// restarts it on the same data, and checks that every acknowledged reading
// was stored.
func TestKill9LosesNoAcknowledgedReading(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--data", dir, "--addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--log-level", "warn"}
	srv, url := child(t, args...)
	defer srv.Process.Kill()
	c := login(t, url, "admin", adminPassword)
	var ver struct{ MQTT string }
	c.get("/api/v1/version", &ver)
	p := phreaticPoints(c, 1)[0]
	var dev struct{ Code, Secret string }
	c.do("POST", "/api/v1/devices", map[string]any{"code": "DEV-CRASH", "name": "断电测试", "owner_id": p.OwnerID}, 201, &dev)

	ctx := context.Background()
	pub, err := mqtt.Dial(ctx, "tcp://"+ver.MQTT, "crash-test", dev.Code, dev.Secret, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var mu sync.Mutex
	acked := map[int64]bool{}
	var wg sync.WaitGroup
	start := time.Now().Add(-time.Hour).UnixMilli()
	sent := 0
	for i := 0; i <= 3000; i++ {
		ts := start + int64(i)*100 // distinct times, all in the past hour
		payload := fmt.Sprintf(`{"point":%q,"ts":%d,"value":%g,"unit":"m"}`, p.Code, ts, p.Depth+5)
		r, err := pub.Send(ctx, "yingji/v1/readings/"+dev.Code, []byte(payload), 1)
		if err != nil {
			break // the connection died with the server
		}
		sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-r.Done()
			if r.Err() == nil {
				mu.Lock()
				acked[ts] = true
				mu.Unlock()
			}
		}()
	}
	// many messages are still in flight: kill now.
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	wg.Wait()
	if len(acked) < 100 {
		t.Fatalf("only %d of %d readings were acknowledged before the kill; the test proves nothing", len(acked), sent)
	}
	srv2, url2 := child(t, args...)
	defer srv2.Process.Kill()
	c2 := login(t, url2, "admin", adminPassword)
	var series struct {
		Items []struct {
			TS time.Time `json:"ts"`
		}
	}
	c2.get(fmt.Sprintf("/api/v1/monitoring-points/%s/readings?step=raw&from=%d&to=%d", p.Code, start, time.Now().UnixMilli()), &series)
	stored := map[int64]bool{}
	for _, it := range series.Items {
		stored[it.TS.UnixMilli()] = true
	}
	lost := 0
	for ts := range acked {
		if !stored[ts] {
			lost++
		}
	}
	t.Logf("sent %d, acknowledged %d, stored after restart %d", sent, len(acked), len(stored))
	if lost > 0 {
		t.Fatalf("%d acknowledged readings were lost in the crash", lost)
	}
	srv2.Process.Signal(syscall.SIGTERM)
	srv2.Wait()
}
