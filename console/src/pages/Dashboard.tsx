import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, DatePicker, Row, Space, Statistic, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { Chart } from '../Chart';

const iso = (d: Date) => d.toISOString().slice(0, 10);
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);

/**
 * Coverage (received = inspected + not applicable + failed + pending, with the SLA alarm), pass rate over time,
 * violations by rule, and conversation KPIs per team — from the rollups; a supervisor's figures cover their teams.
 */
export function DashboardPage() {
  const { t } = useTranslation();
  const today = new Date();
  // this month and the last one, to today
  const [range, setRange] = useState<[string, string]>([
    iso(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1))),
    iso(today),
  ]);
  const [from, to] = range;
  const coverage = useQuery({
    queryKey: ['coverage', from, to],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/inspection/coverage', { params: { query: { from, to } } });
      if (error) throw new Error(error.error.message);
      return data;
    },
  });
  const kpi = (groupBy: string) =>
    api.GET('/api/v1/reports/kpis', { params: { query: { from, to, groupBy } } }).then(({ data, error }) => {
      if (error) throw new Error(error.error.message);
      return data;
    });
  const byDay = useQuery({ queryKey: ['kpi', 'day', from, to], queryFn: () => kpi('day') });
  const byTeam = useQuery({ queryKey: ['kpi', 'team', from, to], queryFn: () => kpi('team') });
  const byRule = useQuery({ queryKey: ['kpi', 'rule', from, to], queryFn: () => kpi('rule') });
  const byAgent = useQuery({ queryKey: ['kpi', 'agent', from, to], queryFn: () => kpi('agent') });
  const byIntent = useQuery({ queryKey: ['kpi', 'intent', from, to], queryFn: () => kpi('intent') });

  const covDays = useMemo(() => {
    const m = new Map<string, { inspected: number; na: number; failed: number; pending: number }>();
    for (const d of coverage.data?.days ?? []) {
      const x = m.get(d.day) ?? { inspected: 0, na: 0, failed: 0, pending: 0 };
      x.inspected += d.inspected;
      x.na += d.notApplicable.count;
      x.failed += d.failed.count;
      x.pending += d.pending.count;
      m.set(d.day, x);
    }
    return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [coverage.data]);

  const err = coverage.error ?? byDay.error ?? byTeam.error ?? byRule.error ?? byAgent.error ?? byIntent.error;
  const tot = coverage.data?.totals;
  const dayRows = (byDay.data?.rows ?? []) as Array<{
    group: Record<string, string>;
    passRate: number | null;
    avgHandleS: number | null;
    silenceRatio: number | null;
    sentimentEnd: number | null;
  }>;
  type Grouped = { group: Record<string, string>; conversations: number; passRate: number | null };
  // the 15 agents with the most conversations, lowest pass rate first
  const agentRows = ((byAgent.data?.rows ?? []) as Grouped[])
    .filter((r) => r.group.agent)
    .sort((a, b) => b.conversations - a.conversations)
    .slice(0, 15)
    .sort((a, b) => (a.passRate ?? 2) - (b.passRate ?? 2));
  const intentRows = ((byIntent.data?.rows ?? []) as Grouped[])
    .filter((r) => r.group.intent)
    .sort((a, b) => b.conversations - a.conversations)
    .slice(0, 10);
  const teamRows = (byTeam.data?.rows ?? []) as Array<Record<string, unknown> & { group: Record<string, string> }>;
  const ruleRows = ((byRule.data?.rows ?? []) as Array<{ group: Record<string, string>; failed: number }>)
    .filter((r) => r.failed > 0)
    .sort((a, b) => b.failed - a.failed)
    .slice(0, 10);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('dashboard')}
        </Typography.Title>
        <DatePicker.RangePicker
          aria-label={t('period')}
          allowClear={false}
          onChange={(v) => v?.[0] && v[1] && setRange([v[0].format('YYYY-MM-DD'), v[1].format('YYYY-MM-DD')])}
        />
        <Typography.Text>
          {from} – {to} (UTC)
        </Typography.Text>
      </Space>
      {err && <Alert type="error" title={String(err)} />}
      {coverage.data?.alarm.state === 'alarm' && (
        <Alert
          type="warning"
          title={t('slaAlarm', { n: coverage.data.alarm.pendingPastSla })}
          data-testid="sla-alarm"
        />
      )}
      <Row gutter={16}>
        {(
          [
            ['received', tot?.received],
            ['inspected', tot?.inspected],
            ['notApplicable', tot?.notApplicable],
            ['failed', tot?.failed],
            ['pending', tot?.pending],
          ] as const
        ).map(([k, v]) => (
          <Col key={k} span={4}>
            <Card size="small">
              <Statistic title={t(k)} value={v ?? '–'} />
            </Card>
          </Col>
        ))}
      </Row>
      <Row gutter={16}>
        <Col span={12}>
          <Card size="small" title={t('coverageByDay')}>
            <Chart
              label={t('coverageByDay')}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { bottom: 0 },
                grid: { left: 40, right: 10, top: 10, bottom: 50 },
                xAxis: { type: 'category', data: covDays.map(([d]) => d.slice(5)) },
                yAxis: { type: 'value', minInterval: 1 },
                series: (
                  [
                    ['inspected', 'inspected', '#237804'],
                    ['notApplicable', 'na', '#8c8c8c'],
                    ['failed', 'failed', '#a8071a'],
                    ['pending', 'pending', '#d48806'],
                  ] as const
                ).map(([label, key, color]) => ({
                  name: t(label),
                  type: 'bar',
                  stack: 'all',
                  itemStyle: { color },
                  data: covDays.map(([, x]) => x[key]),
                })),
              }}
            />
          </Card>
        </Col>
        <Col span={12}>
          <Card size="small" title={t('passRateByDay')}>
            <Chart
              label={t('passRateByDay')}
              option={{
                tooltip: { trigger: 'axis' },
                grid: { left: 40, right: 10, top: 10, bottom: 30 },
                xAxis: { type: 'category', data: dayRows.map((r) => r.group.day.slice(5)) },
                yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
                series: [
                  {
                    type: 'line',
                    connectNulls: true,
                    data: dayRows.map((r) => (r.passRate === null ? null : Math.round(r.passRate * 1000) / 10)),
                  },
                ],
              }}
            />
          </Card>
        </Col>
      </Row>
      <Row gutter={16}>
        <Col span={12}>
          <Card size="small" title={t('violationsByRule')}>
            <Chart
              label={t('violationsByRule')}
              height={Math.max(160, ruleRows.length * 26 + 40)}
              option={{
                grid: { left: 160, right: 20, top: 10, bottom: 20 },
                xAxis: { type: 'value', minInterval: 1 },
                yAxis: { type: 'category', inverse: true, data: ruleRows.map((r) => r.group.rule) },
                series: [{ type: 'bar', itemStyle: { color: '#a8071a' }, data: ruleRows.map((r) => r.failed) }],
              }}
            />
          </Card>
        </Col>
        <Col span={12}>
          <Card size="small" title={t('kpisByDay')}>
            <Chart
              label={t('kpisByDay')}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { bottom: 0 },
                grid: { left: 48, right: 48, top: 10, bottom: 50 },
                xAxis: { type: 'category', data: dayRows.map((r) => r.group.day.slice(5)) },
                yAxis: [
                  { type: 'value', name: 's', minInterval: 1 },
                  { type: 'value', min: -1, max: 1 },
                ],
                series: [
                  {
                    name: t('avgHandle'),
                    type: 'bar',
                    itemStyle: { color: '#0958d9' },
                    data: dayRows.map((r) => r.avgHandleS),
                  },
                  {
                    name: t('silenceRatio'),
                    type: 'line',
                    yAxisIndex: 1,
                    connectNulls: true,
                    itemStyle: { color: '#595959' },
                    data: dayRows.map((r) => r.silenceRatio),
                  },
                  {
                    name: t('sentimentEnd'),
                    type: 'line',
                    yAxisIndex: 1,
                    connectNulls: true,
                    itemStyle: { color: '#a8071a' },
                    data: dayRows.map((r) => r.sentimentEnd),
                  },
                ],
              }}
            />
          </Card>
        </Col>
      </Row>
      <Row gutter={16}>
        <Col span={12}>
          <Card size="small" title={t('passRateByAgent')}>
            <Chart
              label={t('passRateByAgent')}
              height={Math.max(160, agentRows.length * 24 + 40)}
              option={{
                tooltip: { trigger: 'axis' },
                grid: { left: 120, right: 20, top: 10, bottom: 20 },
                xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
                yAxis: { type: 'category', inverse: true, data: agentRows.map((r) => r.group.agent) },
                series: [
                  {
                    type: 'bar',
                    itemStyle: { color: '#237804' },
                    data: agentRows.map((r) => (r.passRate === null ? null : Math.round(r.passRate * 1000) / 10)),
                  },
                ],
              }}
            />
          </Card>
        </Col>
        <Col span={12}>
          <Card size="small" title={t('topIntents')}>
            <Chart
              label={t('topIntents')}
              height={Math.max(160, intentRows.length * 24 + 40)}
              option={{
                tooltip: { trigger: 'axis' },
                grid: { left: 200, right: 20, top: 10, bottom: 20 },
                xAxis: { type: 'value', minInterval: 1 },
                yAxis: { type: 'category', inverse: true, data: intentRows.map((r) => r.group.intent) },
                series: [
                  { type: 'bar', itemStyle: { color: '#0958d9' }, data: intentRows.map((r) => r.conversations) },
                ],
              }}
            />
          </Card>
        </Col>
      </Row>
      <Row gutter={16}>
        <Col span={24}>
          <Card size="small" title={t('kpisByTeam')}>
            <Table
              size="small"
              rowKey={(r) => r.group.team}
              pagination={false}
              dataSource={teamRows}
              columns={[
                { title: t('team'), render: (_, r) => r.group.team || '–' },
                { title: t('conversations'), dataIndex: 'conversations' },
                { title: t('passRate'), dataIndex: 'passRate', render: (v: number | null) => pct(v) },
                { title: t('avgHandle'), dataIndex: 'avgHandleS', render: (v: number | null) => v ?? '–' },
                { title: t('silenceRatio'), dataIndex: 'silenceRatio', render: (v: number | null) => pct(v) },
                { title: t('overtalkPerCall'), dataIndex: 'overtalkPerCall', render: (v: number | null) => v ?? '–' },
                { title: t('sentimentEnd'), dataIndex: 'sentimentEnd', render: (v: number | null) => v ?? '–' },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
