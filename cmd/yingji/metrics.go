package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/yingji/yingji/internal/telemetry"
)

// registerPerceptionMetrics exposes the pipeline's, journal's and broker's
// counters. They are read when scraped, so the hot path only bumps atomics.
func registerPerceptionMetrics(reg *prometheus.Registry, p *perception) {
	st := p.pipe.Stats()
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	counter("yingji_ingest_messages_total", "Device messages received.", func() float64 { return float64(st.Messages.Load()) })
	counter("yingji_ingest_readings_total", "Readings received.", func() float64 { return float64(st.Readings.Load()) })
	counter("yingji_ingest_readings_accepted_total", "Readings journaled (acknowledged).", func() float64 { return float64(st.Accepted.Load()) })
	counter("yingji_ingest_readings_evaluated_total", "Readings evaluated by the rules.", func() float64 { return float64(st.Evaluated.Load()) })
	counter("yingji_ingest_readings_late_total", "Readings stored but older than their point's state.", func() float64 { return float64(st.Late.Load()) })
	counter("yingji_ingest_chunks_sealed_total", "Chunks written to the store.", func() float64 { return float64(st.ChunksSealed.Load()) })
	counter("yingji_rules_transitions_total", "Rule condition transitions.", func() float64 { return float64(st.Transitions.Load()) })
	counter("yingji_alarm_errors_total", "Alarm changes that failed.", func() float64 { return float64(st.AlarmErrors.Load()) })
	gauge("yingji_ingest_queue_length", "Journaled messages waiting for the apply loop (overload shows here).", func() float64 { return float64(st.QueueLen()) })
	rejected := prometheus.NewDesc("yingji_ingest_rejected_total", "Readings refused, by reason (the dead-letter log has each).", []string{"reason"}, nil)
	reg.MustRegister(collectorFunc{desc: rejected, collect: func(ch chan<- prometheus.Metric) {
		for _, r := range append(telemetry.Reasons, "dead_letter_dropped") {
			ch <- prometheus.MustNewConstMetric(rejected, prometheus.CounterValue, float64(st.RejectedBy(r)), string(r))
		}
	}})
	gauge("yingji_journal_pending_bytes", "Journal bytes waiting for fsync.", func() float64 { return float64(p.journal.Stats().PendingBytes) })
	counter("yingji_journal_fsyncs_total", "Journal fsyncs.", func() float64 { return float64(p.journal.Stats().Fsyncs) })
	if p.broker != nil {
		gauge("yingji_mqtt_connections", "Devices connected to the embedded broker.", func() float64 { return float64(p.broker.Stats().Connections) })
		gauge("yingji_mqtt_pending_acks", "QoS 1 messages waiting for the journal before their PUBACK.", func() float64 { return float64(p.broker.Stats().Pending) })
		counter("yingji_mqtt_throttled_total", "Times a device's connection was slowed because its window of unacknowledged messages was full (back-pressure).",
			func() float64 { return float64(p.broker.Stats().Throttled) })
		counter("yingji_mqtt_messages_total", "Messages received by the embedded broker.", func() float64 { return float64(p.broker.Stats().MessagesIn) })
	}
}

type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(ch chan<- prometheus.Metric)
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }
