package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yingji/yingji/internal/feeds"
)

// cmdFeed runs `yingji feed parse KIND FILE`: the file's events,
// normalized, as JSON ("-" reads standard input).
func cmdFeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := "usage: yingji feed parse KIND FILE   (KIND: " + strings.Join(feeds.FeedKinds, ", ") + "; FILE - for standard input)"
	if len(args) == 0 || args[0] != "parse" {
		return errors.New(usage)
	}
	if len(args) != 3 {
		return errors.New(usage)
	}
	kind, name := args[1], args[2]
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(os.Stdin, 256<<20))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	evs, err := feeds.Parse(kind, data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if evs == nil {
		evs = []feeds.Event{}
	}
	return writeModelJSON(stdout, evs)
}
