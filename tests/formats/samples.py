"""Source documents for the format tests, written from each project's documentation."""

from __future__ import annotations

SLOTH_V1 = """\
version: "prometheus/v1"
service: "myservice"
labels:
  owner: "myteam"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Availability of HTTP responses."
    labels:
      category: availability
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels:
        category: "availability"
      annotations:
        summary: "High error rate on 'myservice' requests responses"
        runbook_url: https://runbooks.example/myservice
      page_alert:
        labels:
          severity: pageteam
      ticket_alert:
        disable: true
"""

SLOTH_CRD = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: sloth-slo-home-wifi
  namespace: monitoring
spec:
  service: "home-wifi"
  slos:
    - name: "good-wifi-client-satisfaction"
      objective: 95
      sli:
        raw:
          errorRatioQuery: |
            1 - (sum(rate(wifi_client_satisfaction_good[{{.window}}]))
              / sum(rate(wifi_client_satisfaction_total[{{.window}}])))
      alerting:
        pageAlert:
          disable: true
        ticketAlert:
          labels:
            severity: slack
"""

PYRRA = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: pyrra-api-errors
  namespace: monitoring
  labels:
    pyrra.dev/service: pyrra
spec:
  target: "99"
  window: 2w
  description: Pyrra's API requests and response errors over time grouped by route.
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="pyrra",code=~"5.."}
      total:
        metric: http_requests_total{job="pyrra"}
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: pyrra-api-latency
  labels:
    pyrra.dev/service: pyrra
spec:
  target: "99.5"
  window: 4w
  indicator:
    latency:
      success:
        metric: http_request_duration_seconds_bucket{job="pyrra",le="0.25"}
      total:
        metric: http_request_duration_seconds_count{job="pyrra"}
  alerting:
    absent: false
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: probe-up
  labels:
    pyrra.dev/service: pyrra
spec:
  target: "99.9"
  window: 4w
  indicator:
    bool_gauge:
      metric: probe_success{job="blackbox"}
  alerting:
    absent: false
"""

OPENSLO = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
spec: {}
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout",code=~"5.."}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout"}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 2m
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: oncall-slack
spec:
  target: slack
  description: the on-call channel
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: fast-burn
spec:
  alertWhenBreaching: true
  conditions:
    - conditionRef: fast-burn
  notificationTargets:
    - targetRef: oncall-slack
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
spec:
  description: Checkout requests succeed
  service: checkout
  indicatorRef: checkout-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.995
  alertPolicies:
    - alertPolicyRef: fast-burn
    - kind: AlertPolicy
      metadata:
        name: slow-burn
      spec:
        alertWhenBreaching: true
        conditions:
          - kind: AlertCondition
            metadata:
              name: slow-burn
            spec:
              severity: ticket
              condition:
                kind: burnrate
                op: gte
                threshold: 1
                lookbackWindow: 3d
        notificationTargets: []
"""

SLO_GENERATOR = """\
apiVersion: sre.google.com/v2
kind: ServiceLevelObjective
metadata:
  name: prom-metrics-availability
  labels:
    service_name: prom
spec:
  description: 99.9% of Prometheus requests return a good HTTP code
  backend: prometheus
  method: good_bad_ratio
  exporters:
  - prometheus
  service_level_indicator:
    filter_good: prometheus_http_requests_total{handler="/metrics", code=~"2.."}
    filter_valid: prometheus_http_requests_total{handler="/metrics"}
  goal: 0.999
---
apiVersion: sre.google.com/v2
kind: ServiceLevelObjective
metadata:
  name: prom-metrics-latency
  labels:
    service_name: prom
spec:
  backend: prometheus
  method: distribution_cut
  service_level_indicator:
    expression: http_request_duration_seconds_bucket{handler="/metrics", code=~"2.."}
    threshold_bucket: 0.25
  goal: 0.9999
"""

SLO_GENERATOR_SHARED = """\
backends:
  prometheus:
    url: http://localhost:9090
error_budget_policies:
  default:
    steps:
    - name: 1 hour
      burn_rate_threshold: 9
      alert: true
      message_alert: Page to defend the SLO
      window: 3600
    - name: 12 hours
      burn_rate_threshold: 3
      alert: true
      window: 43200
    - name: 7 days
      burn_rate_threshold: 1.5
      alert: false
      window: 604800
    - name: 28 days
      burn_rate_threshold: 1
      alert: true
      window: 2419200
"""
