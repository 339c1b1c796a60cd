import { Alert, Badge, Card, Col, Empty, List, Row, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { components } from '../api/schema';
import { navigate } from '../router';
import { TAG } from '../ui';

/** One event of GET /api/v1/live/events (texts are masked by the server), typed from the API's OpenAPI document. */
type LiveEvent = components['schemas']['LiveCallEvent'];

interface LiveCall {
  sessionId: string;
  agentId: string | null;
  teamId: string | null;
  queue: string | null;
  turns: Array<{ speaker: string; text: string; atMs: number }>;
  partial?: { speaker: string; text: string };
  alerts: number;
  fatal: boolean;
  ended?: { conversationId?: string; reason?: string };
}

const TYPES: LiveEvent['type'][] = ['call.started', 'partial', 'turn', 'alert', 'call.ended'];
const secs = (ms: number) => `${Math.floor(ms / 60000)}:${String(Math.floor((ms % 60000) / 1000)).padStart(2, '0')}`;

/**
 * Calls in progress in the supervisor's scope, as they happen: the masked transcript of each call (finished turns and
 * the turn being spoken), and the alerts the live rules raise. An ended call links to its conversation.
 */
export function LivePage() {
  const { t } = useTranslation();
  const [calls, setCalls] = useState<Record<string, LiveCall>>({});
  const [alerts, setAlerts] = useState<Array<LiveEvent & { key: number }>>([]);
  const [state, setState] = useState<'connecting' | 'open' | 'retrying'>('connecting');

  useEffect(() => {
    const es = new EventSource('/api/v1/live/events');
    es.onopen = () => setState('open');
    es.onerror = () => setState('retrying');
    let n = 0;
    const on = (ev: MessageEvent<string>) => {
      const e = JSON.parse(ev.data) as LiveEvent;
      if (e.type === 'alert') setAlerts((a) => [{ ...e, key: n++ }, ...a].slice(0, 200));
      setCalls((all) => {
        const c: LiveCall = all[e.sessionId] ?? {
          sessionId: e.sessionId,
          agentId: e.agentId,
          teamId: e.teamId,
          queue: e.queue,
          turns: [],
          alerts: 0,
          fatal: false,
        };
        const next = { ...c };
        if (e.type === 'partial') next.partial = { speaker: e.speaker ?? 'unknown', text: e.text ?? '' };
        if (e.type === 'turn') {
          next.turns = [...c.turns, { speaker: e.speaker ?? 'unknown', text: e.text ?? '', atMs: e.atMs }].slice(-8);
          if (c.partial?.speaker === e.speaker) next.partial = undefined;
        }
        if (e.type === 'alert') {
          next.alerts = c.alerts + 1;
          next.fatal = c.fatal || Boolean(e.alert?.fatal);
        }
        if (e.type === 'call.ended') {
          next.ended = { conversationId: e.conversationId, reason: e.reason };
          next.partial = undefined;
        }
        return { ...all, [e.sessionId]: next };
      });
    };
    for (const type of TYPES) es.addEventListener(type, on as EventListener);
    return () => es.close();
  }, []);

  const list = Object.values(calls).reverse();
  const speaker = (s: string) => (s === 'agent' ? t('agentSpeaker') : s === 'customer' ? t('customerSpeaker') : s);
  return (
    <>
      <Typography.Title level={3}>{t('live')}</Typography.Title>
      <Typography.Paragraph>{t('liveExplain')}</Typography.Paragraph>
      <Space style={{ marginBottom: 12 }}>
        <Badge status={state === 'open' ? 'success' : state === 'retrying' ? 'warning' : 'processing'} />
        <Typography.Text data-testid="live-state">
          {t(state === 'open' ? 'liveStateOpen' : state === 'retrying' ? 'liveStateRetrying' : 'liveStateConnecting')}
        </Typography.Text>
      </Space>
      <Row gutter={16}>
        <Col span={14}>
          <Typography.Title level={4}>{t('liveCalls')}</Typography.Title>
          {list.length === 0 && <Empty description={t('liveNone')} />}
          {list.map((c) => (
            <Card
              key={c.sessionId}
              size="small"
              style={{ marginBottom: 12 }}
              data-testid="live-call"
              title={
                <Space wrap>
                  <span>{c.agentId ?? '–'}</span>
                  <Tag>{c.teamId ?? '–'}</Tag>
                  <Tag>{c.queue ?? '–'}</Tag>
                  {c.alerts > 0 && (
                    <Tag color={c.fatal ? TAG.bad : TAG.warn}>{t('liveAlertCount', { n: c.alerts })}</Tag>
                  )}
                  {c.ended ? (
                    <Tag color={TAG.info}>{t('liveEnded')}</Tag>
                  ) : (
                    <Tag color={TAG.good}>{t('liveInProgress')}</Tag>
                  )}
                </Space>
              }
              extra={
                c.ended?.conversationId && (
                  <a
                    href={`/conversations/${c.ended.conversationId}`}
                    onClick={(ev) => {
                      ev.preventDefault();
                      navigate(`/conversations/${c.ended!.conversationId}`);
                    }}
                  >
                    {t('liveOpenConversation')}
                  </a>
                )
              }
            >
              <List
                size="small"
                dataSource={c.turns}
                renderItem={(u) => (
                  <List.Item>
                    <Space align="start">
                      <Tag color={u.speaker === 'agent' ? TAG.info : TAG.good}>{speaker(u.speaker)}</Tag>
                      <Typography.Text type="secondary">{secs(u.atMs)}</Typography.Text>
                      <Typography.Text>{u.text}</Typography.Text>
                    </Space>
                  </List.Item>
                )}
              />
              {c.partial && (
                <Typography.Paragraph type="secondary" italic data-testid="live-partial">
                  {speaker(c.partial.speaker)}: {c.partial.text} …
                </Typography.Paragraph>
              )}
            </Card>
          ))}
        </Col>
        <Col span={10}>
          <Typography.Title level={4}>{t('liveAlerts')}</Typography.Title>
          {alerts.length === 0 ? (
            <Alert type="info" title={t('liveNoAlerts')} />
          ) : (
            <Table
              size="small"
              rowKey="key"
              pagination={false}
              dataSource={alerts}
              data-testid="live-alerts"
              columns={[
                { title: t('liveWhen'), render: (_, a) => secs(a.atMs) },
                { title: t('agent'), render: (_, a) => a.agentId ?? '–' },
                {
                  title: t('rule'),
                  render: (_, a) => (
                    <>
                      {a.alert?.fatal && <Tag color={TAG.warn}>{t('fatal')}</Tag>} {a.alert?.title}
                      {a.alert?.types && (
                        <Typography.Text type="secondary"> ({a.alert.types.join(', ')})</Typography.Text>
                      )}
                    </>
                  ),
                },
              ]}
            />
          )}
        </Col>
      </Row>
    </>
  );
}
