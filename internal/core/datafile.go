package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadDataFile reads a shipped data table that an administrator may
// override: dir/name when dir is set and the file exists there, else
// data/name from the embedded files. It returns where the data came from
// (the path, or "embedded") for error messages and the UI.
func ReadDataFile(embedded fs.FS, dir, name string) ([]byte, string, error) {
	if dir != "" {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if err == nil {
			return data, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("data file %s: %w", p, err)
		}
	}
	data, err := fs.ReadFile(embedded, "data/"+name)
	return data, "embedded", err
}
