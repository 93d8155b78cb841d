package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
)

const incTaskCols = `id, incident_id, title, owner, status, due_at, notes, source, created_at, updated_at, version`

func incScanTask(s scanner) (*incident.Task, error) {
	var t incident.Task
	var due sql.NullInt64
	var created, updated int64
	if err := s.Scan(&t.ID, &t.IncidentID, &t.Title, &t.Owner, &t.Status, &due, &t.Notes, &t.Source, &created, &updated, &t.Version); err != nil {
		return nil, err
	}
	t.Due, t.CreatedAt, t.UpdatedAt = timePtr(due), time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &t, nil
}

func (db *DB) listTasks(ctx context.Context, incidentID int64) ([]*incident.Task, error) {
	rows, err := db.query(ctx, `SELECT `+incTaskCols+` FROM incident_tasks WHERE incident_id = ? ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id`, incidentID)
	return collect(rows, err, "tasks", incScanTask)
}

// CreateTasks implements incident.Store.
func (db *DB) CreateTasks(ctx context.Context, before, after *incident.Incident, ts []*incident.Task, ev incident.Event) error {
	now := ev.At
	return db.inTx(ctx, func(t *tx) error {
		if after != nil {
			if err := updateIncident(ctx, t, before, after); err != nil {
				return err
			}
		}
		for _, task := range ts {
			task.IncidentID, task.CreatedAt, task.UpdatedAt, task.Version = before.ID, now, now, 1
			if err := t.queryRow(ctx, `INSERT INTO incident_tasks (incident_id, title, owner, status, due_at, notes, source, created_at, updated_at, version)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`, before.ID, task.Title, task.Owner, task.Status, msPtr(task.Due), task.Notes, task.Source,
				now.UnixMilli(), now.UnixMilli()).Scan(&task.ID); err != nil {
				return fmt.Errorf("store: create task: %w", err)
			}
		}
		if err := insertIncidentEvent(ctx, t, before.ID, &ev); err != nil {
			return err
		}
		if after != nil {
			return record(ctx, t, ev.Kind, "incident", before.ID, before.Division, before, map[string]any{"incident": after, "tasks": ts})
		}
		return record(ctx, t, "create", "incident_task", before.ID, before.Division, nil, ts)
	})
}

// GetTask implements incident.Store.
func (db *DB) GetTask(ctx context.Context, incidentID, id int64) (*incident.Task, error) {
	t, err := incScanTask(db.queryRow(ctx, `SELECT `+incTaskCols+` FROM incident_tasks WHERE id = ? AND incident_id = ?`, id, incidentID))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "task %d of incident %d not found", id, incidentID)
	}
	return t, err
}

// UpdateTask implements incident.Store.
func (db *DB) UpdateTask(ctx context.Context, in *incident.Incident, task *incident.Task, ev incident.Event) error {
	return db.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE incident_tasks SET title = ?, owner = ?, status = ?, due_at = ?, notes = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND incident_id = ? AND version = ?`, task.Title, task.Owner, task.Status, msPtr(task.Due), task.Notes, task.UpdatedAt.UnixMilli(),
			task.ID, in.ID, task.Version)
		if err != nil {
			return fmt.Errorf("store: update task: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "task %d was changed by someone else meanwhile; reload it", task.ID)
		}
		task.Version++
		if err := insertIncidentEvent(ctx, t, in.ID, &ev); err != nil {
			return err
		}
		return record(ctx, t, "update", "incident_task", task.ID, in.Division, nil, task)
	})
}

const incReportCols = `id, incident_id, seq, number, status, body, created_at, updated_at, published_at, version`

func incScanReport(s scanner) (*incident.Report, error) {
	var r incident.Report
	var seq, published sql.NullInt64
	var number sql.NullString
	var body, status string
	var created, updated int64
	var id, incID int64
	var version int
	if err := s.Scan(&id, &incID, &seq, &number, &status, &body, &created, &updated, &published, &version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("store: report %d: %w", id, err)
	}
	r.ID, r.IncidentID, r.Seq, r.Number, r.Status, r.Version = id, incID, int(seq.Int64), number.String, status, version
	r.CreatedAt, r.UpdatedAt, r.PublishedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC(), timePtr(published)
	if r.Sections == nil {
		r.Sections = []incident.Section{}
	}
	return &r, nil
}

func (db *DB) listReports(ctx context.Context, incidentID int64) ([]*incident.Report, error) {
	rows, err := db.query(ctx, `SELECT `+incReportCols+` FROM incident_reports WHERE incident_id = ? ORDER BY id`, incidentID)
	return collect(rows, err, "reports", incScanReport)
}

// CreateReport implements incident.Store.
func (db *DB) CreateReport(ctx context.Context, in *incident.Incident, r *incident.Report, ev incident.Event) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(t *tx) error {
		if err := t.queryRow(ctx, `INSERT INTO incident_reports (incident_id, status, body, author, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id`,
			in.ID, r.Status, string(body), r.Author, r.CreatedAt.UnixMilli(), r.UpdatedAt.UnixMilli()).Scan(&r.ID); err != nil {
			return fmt.Errorf("store: create report: %w", err)
		}
		r.Version = 1
		ev.Data = map[string]any{"report_id": r.ID}
		if err := insertIncidentEvent(ctx, t, in.ID, &ev); err != nil {
			return err
		}
		return record(ctx, t, "create", "incident_report", r.ID, in.Division, nil, r)
	})
}

// GetReport implements incident.Store.
func (db *DB) GetReport(ctx context.Context, incidentID, id int64) (*incident.Report, error) {
	r, err := incScanReport(db.queryRow(ctx, `SELECT `+incReportCols+` FROM incident_reports WHERE id = ? AND incident_id = ?`, id, incidentID))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "report %d of incident %d not found", id, incidentID)
	}
	return r, err
}

func incUpdateReport(ctx context.Context, t *tx, r *incident.Report) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var seq, number any
	if r.Seq > 0 {
		seq, number = r.Seq, r.Number
	}
	res, err := t.exec(ctx, `UPDATE incident_reports SET seq = ?, number = ?, status = ?, body = ?, updated_at = ?, published_at = ?, version = version + 1
		WHERE id = ? AND version = ?`, seq, number, r.Status, string(body), r.UpdatedAt.UnixMilli(), msPtr(r.PublishedAt), r.ID, r.Version)
	if err != nil {
		return fmt.Errorf("store: update report: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ECONFLICT, "report %d was changed by someone else meanwhile; reload it", r.ID)
	}
	r.Version++
	return nil
}

// UpdateReport implements incident.Store.
func (db *DB) UpdateReport(ctx context.Context, in *incident.Incident, r *incident.Report, ev incident.Event) error {
	return db.inTx(ctx, func(t *tx) error {
		if err := incUpdateReport(ctx, t, r); err != nil {
			return err
		}
		if err := insertIncidentEvent(ctx, t, in.ID, &ev); err != nil {
			return err
		}
		return record(ctx, t, "update", "incident_report", r.ID, in.Division, nil, r)
	})
}

// PublishReport implements incident.Store. The incident row is written
// first: its version check serialises two commanders publishing at once.
func (db *DB) PublishReport(ctx context.Context, before, after *incident.Incident, r *incident.Report, ev incident.Event) error {
	return db.inTx(ctx, func(t *tx) error {
		if err := updateIncident(ctx, t, before, after); err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_reports WHERE incident_id = ?`, before.ID).Scan(&r.Seq); err != nil {
			return fmt.Errorf("store: report number: %w", err)
		}
		r.Number = fmt.Sprintf("%s-R%d", before.Number, r.Seq)
		if err := incUpdateReport(ctx, t, r); err != nil {
			return err
		}
		ev.Summary += "，编号 " + r.Number
		if err := insertIncidentEvent(ctx, t, before.ID, &ev); err != nil {
			return err
		}
		return record(ctx, t, "publish", "incident_report", r.ID, before.Division, nil, r)
	})
}

func (db *DB) listAttachments(ctx context.Context, incidentID int64) ([]*incident.Attachment, error) {
	rows, err := db.query(ctx, `SELECT id, name, content_type, size, sha256, created_by, created_at FROM incident_attachments WHERE incident_id = ? ORDER BY id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("store: attachments: %w", err)
	}
	defer rows.Close()
	out := []*incident.Attachment{}
	for rows.Next() {
		a := &incident.Attachment{IncidentID: incidentID}
		var at int64
		if err := rows.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.By, &at); err != nil {
			return nil, err
		}
		a.At = time.UnixMilli(at).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddAttachment implements incident.Store.
func (db *DB) AddAttachment(ctx context.Context, in *incident.Incident, a *incident.Attachment, data []byte, ev incident.Event) error {
	return db.inTx(ctx, func(t *tx) error {
		if err := t.queryRow(ctx, `INSERT INTO incident_attachments (incident_id, name, content_type, size, sha256, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.ID, a.Name, a.ContentType, a.Size, a.SHA256, data, a.By, a.At.UnixMilli()).Scan(&a.ID); err != nil {
			return fmt.Errorf("store: attachment: %w", err)
		}
		ev.Data = map[string]any{"attachment_id": a.ID, "sha256": a.SHA256}
		if err := insertIncidentEvent(ctx, t, in.ID, &ev); err != nil {
			return err
		}
		return record(ctx, t, "attach", "incident", in.ID, in.Division, nil, a)
	})
}

// GetAttachment implements incident.Store.
func (db *DB) GetAttachment(ctx context.Context, incidentID, id int64) (*incident.Attachment, []byte, error) {
	a := &incident.Attachment{IncidentID: incidentID}
	var at int64
	var data []byte
	err := db.queryRow(ctx, `SELECT id, name, content_type, size, sha256, created_by, created_at, data FROM incident_attachments WHERE id = ? AND incident_id = ?`,
		id, incidentID).Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.By, &at, &data)
	if err == sql.ErrNoRows {
		return nil, nil, core.Errorf(core.ENOTFOUND, "attachment %d of incident %d not found", id, incidentID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: attachment: %w", err)
	}
	a.At = time.UnixMilli(at).UTC()
	return a, data, nil
}
