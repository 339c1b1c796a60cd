import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Collapse,
  Descriptions,
  Input,
  List,
  Result,
  Row,
  Segmented,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin from 'wavesurfer.js/dist/plugins/regions.esm.js';
import { api, can, Me } from '../api/client';
import { navigate } from '../router';
import { TAG } from '../ui';
import { LegalHold } from './conversation/LegalHold';
import { SentimentTimeline } from './conversation/SentimentTimeline';
import { Unmask } from './conversation/Unmask';

const nonce = () => document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? undefined;

/**
 * One conversation: the redacted recording as a waveform (both channels), the masked transcript following playback
 * (click a word to jump there), silenced PII spans and the findings' evidence marked on the waveform, and the
 * findings with their evidence, which a reviewer confirms or overturns.
 */
export function ConversationPage({ id, me }: { id: string; me: Me }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const detail = useQuery({
    queryKey: ['conversation', id],
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/v1/conversations/{id}', { params: { path: { id } } });
      if (response.status === 404) return null;
      if (error) throw new Error(error.error.message);
      return data;
    },
  });
  const verdicts = useQuery({
    queryKey: ['verdicts', id],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/conversations/{id}/verdicts', { params: { path: { id } } });
      if (error) throw new Error(error.error.message);
      return data.items;
    },
    enabled: Boolean(detail.data),
  });
  const wave = useRef<HTMLDivElement>(null);
  const ws = useRef<WaveSurfer | null>(null);
  const regions = useRef<ReturnType<typeof RegionsPlugin.create> | null>(null);
  const [now, setNow] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [ready, setReady] = useState(false);
  const audioOk = Boolean(detail.data?.recording?.available && detail.data.recording.redacted);

  useEffect(() => {
    if (!wave.current || !audioOk) return;
    let cancelled = false;
    void (async () => {
      const res = await fetch(`/api/v1/conversations/${id}/audio`);
      if (!res.ok || cancelled) return;
      const blob = await res.blob();
      if (cancelled) return;
      const r = RegionsPlugin.create();
      regions.current = r;
      const w = WaveSurfer.create({
        container: wave.current!,
        height: 70,
        splitChannels: [{ waveColor: '#4f7cac' }, { waveColor: '#7a9f5f' }],
        cursorColor: '#d4380d',
        plugins: [r],
        cspNonce: nonce(),
      });
      w.on('timeupdate', (s) => setNow(s * 1000));
      w.on('play', () => setPlaying(true));
      w.on('pause', () => setPlaying(false));
      w.on('ready', () => setReady(true));
      ws.current = w;
      // loaded from the bytes already fetched (with the session cookie): no second request, no blob: fetch
      await w.loadBlob(blob);
    })();
    return () => {
      cancelled = true;
      ws.current?.destroy();
      ws.current = null;
    };
  }, [id, audioOk]);

  // silenced personal data (grey) and the current verdict's evidence (red) on the waveform
  const current = verdicts.data?.find((v) => v.current);
  useEffect(() => {
    const r = regions.current;
    if (!r || !ready || !detail.data) return;
    r.clearRegions();
    for (const u of detail.data.utterances)
      for (const p of u.pii)
        if (p.s !== undefined && p.e !== undefined)
          r.addRegion({ start: p.s / 1000, end: p.e / 1000, color: 'rgba(0,0,0,0.25)', drag: false, resize: false });
    for (const f of current?.findings ?? [])
      if (f.result === 'fail')
        for (const e of f.evidence)
          r.addRegion({
            start: e.startMs / 1000,
            end: Math.max(e.endMs, e.startMs + 200) / 1000,
            color: 'rgba(212,56,13,0.25)',
            drag: false,
            resize: false,
          });
  }, [ready, detail.data, current]);

  const seek = (ms: number) => {
    ws.current?.setTime(ms / 1000);
    setNow(ms);
  };

  const review = useMutation({
    mutationFn: async (v: { findingId: string; decision: 'confirm' | 'overturn'; comment: string }) => {
      const { error } = await api.POST('/api/v1/findings/{id}/review', {
        params: { path: { id: v.findingId } },
        body: { decision: v.decision, comment: v.comment },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['verdicts', id] }),
  });
  const [comment, setComment] = useState<Record<string, string>>({});
  // disputes: an agent disputes her own verdict; a reviewer (supervisor, QA) decides an open one
  const [disputeText, setDisputeText] = useState('');
  const [decisionText, setDecisionText] = useState('');
  const dispute = useMutation({
    mutationFn: async (verdictId: string) => {
      const { error } = await api.POST('/api/v1/verdicts/{id}/disputes', {
        params: { path: { id: verdictId } },
        body: { comment: disputeText },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => {
      setDisputeText('');
      void qc.invalidateQueries({ queryKey: ['verdicts', id] });
    },
  });
  const decide = useMutation({
    mutationFn: async (v: { disputeId: string; decision: 'accepted' | 'rejected' }) => {
      const { error } = await api.POST('/api/v1/disputes/{id}/decision', {
        params: { path: { id: v.disputeId } },
        body: { decision: v.decision, comment: decisionText },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => {
      setDecisionText('');
      void qc.invalidateQueries({ queryKey: ['verdicts', id] });
    },
  });
  // originals shown for this view only, after a stated reason (the server audits it before it answers)
  const [originals, setOriginals] = useState<Map<string, string> | null>(null);

  const speakers = useMemo(
    () => ({ agent: t('agentSpeaker'), customer: t('customerSpeaker'), unknown: t('unknownSpeaker') }),
    [t],
  );
  if (detail.isLoading) return <Typography.Text>{t('loading')}</Typography.Text>;
  if (detail.isError) return <Alert type="error" title={String(detail.error)} />;
  if (!detail.data)
    return (
      <Result status="404" title={t('notFound')} extra={<Button onClick={() => navigate('/')}>{t('back')}</Button>} />
    );
  const c = detail.data;

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space>
        <Button onClick={() => navigate('/')}>{t('back')}</Button>
        {c.allowedActions.includes('transcript.unmask') && !originals && (
          <Unmask id={id} me={me} onOpened={setOriginals} />
        )}
        {originals && <Tag color={TAG.warn}>{t('showingOriginals')}</Tag>}
        <LegalHold id={id} hold={c.legalHold} me={me} />
      </Space>
      <Descriptions size="small" bordered column={4} title={t('conversation')}>
        <Descriptions.Item label={t('channel')}>{c.channel}</Descriptions.Item>
        <Descriptions.Item label={t('agent')}>{c.agentId}</Descriptions.Item>
        <Descriptions.Item label={t('team')}>{c.teamId}</Descriptions.Item>
        <Descriptions.Item label={t('intent')}>{c.intent ?? '–'}</Descriptions.Item>
      </Descriptions>
      {c.channel === 'call' && (
        <Card size="small">
          {audioOk ? (
            <>
              <div ref={wave} data-testid="waveform" />
              <Space style={{ marginTop: 8 }}>
                <Button
                  type="primary"
                  disabled={!ready}
                  data-testid="play"
                  onClick={() => void ws.current?.playPause()}
                >
                  {playing ? t('pause') : t('play')}
                </Button>
                <Typography.Text>{t('speed')}</Typography.Text>
                <Segmented
                  defaultValue={1}
                  options={[0.75, 1, 1.25, 1.5, 2]}
                  onChange={(v) => ws.current?.setPlaybackRate(Number(v))}
                />
                <Typography.Text data-testid="clock">{(now / 1000).toFixed(1)} s</Typography.Text>
              </Space>
            </>
          ) : (
            <Typography.Text>{t('noAudio')}</Typography.Text>
          )}
        </Card>
      )}
      <SentimentTimeline utterances={c.utterances} onSeek={c.channel === 'call' && audioOk ? seek : undefined} />
      <Row gutter={16}>
        <Col span={14}>
          <Card
            size="small"
            title={
              <Space>
                {t('transcript')}
                {c.channel === 'call' && c.language.startsWith('zh') && <Tag>{t('pinyinTranscript')}</Tag>}
              </Space>
            }
          >
            <List
              dataSource={c.utterances}
              renderItem={(u) => (
                <List.Item>
                  <Space orientation="vertical" size={2} style={{ width: '100%' }}>
                    <Space>
                      <Tag color={u.speaker === 'agent' ? TAG.info : TAG.good}>{speakers[u.speaker]}</Tag>
                      <Typography.Text type="secondary">{(u.startMs / 1000).toFixed(1)} s</Typography.Text>
                      {u.sentiment && (
                        <Tag
                          color={
                            u.sentiment === 'negative' ? TAG.bad : u.sentiment === 'positive' ? TAG.good : undefined
                          }
                        >
                          {t('sentiment')}: {u.sentiment}
                        </Tag>
                      )}
                      {u.pii.length > 0 && <Tag>{t('masked')}</Tag>}
                    </Space>
                    {originals?.has(u.id) && u.pii.length > 0 && (
                      <Typography.Text data-testid={`original-${u.seq}`} mark>
                        {originals.get(u.id)}
                      </Typography.Text>
                    )}
                    <div data-testid={`utterance-${u.seq}`}>
                      {u.words.length
                        ? u.words.map((w, i) => {
                            const active = now >= w.s && now < w.e;
                            return (
                              <span
                                key={i}
                                role="button"
                                tabIndex={0}
                                className={active ? 'word active' : 'word'}
                                data-start={w.s}
                                onClick={() => seek(w.s)}
                                onKeyDown={(e) => e.key === 'Enter' && seek(w.s)}
                                style={{
                                  cursor: 'pointer',
                                  background: active ? '#ffe58f' : undefined,
                                  padding: '0 1px',
                                }}
                              >
                                {w.w}{' '}
                              </span>
                            );
                          })
                        : u.text}
                    </div>
                  </Space>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col span={10}>
          <Card size="small" title={t('findings')} data-testid="findings">
            {!current ? (
              <Typography.Text>{t('loading')}</Typography.Text>
            ) : current.outcome === 'not_applicable' ? (
              <Alert type="info" title={`${t('notApplicable')}: ${current.reason ?? ''}`} />
            ) : (
              <>
                <Typography.Paragraph>
                  {t('verdict')}:{' '}
                  <Tag color={current.finalPassed ? TAG.good : TAG.bad}>
                    {current.finalPassed ? t('passed') : t('failedVerdict')}
                  </Tag>
                  {t('score')} {current.finalScore?.toFixed(1)}
                </Typography.Paragraph>
                <List
                  dataSource={[...current.findings].sort(
                    (a, b) =>
                      Number(b.result === 'fail') - Number(a.result === 'fail') || Number(b.fatal) - Number(a.fatal),
                  )}
                  renderItem={(f) => (
                    <List.Item data-testid={`finding-${f.ruleId}`}>
                      <Space orientation="vertical" size={4} style={{ width: '100%' }}>
                        <Space wrap>
                          <Tag color={f.result === 'fail' ? TAG.bad : f.result === 'pass' ? TAG.good : undefined}>
                            {t(f.result)}
                          </Tag>
                          {f.fatal && <Tag color={TAG.warn}>{t('fatal')}</Tag>}
                          <Typography.Text strong>{f.title}</Typography.Text>
                        </Space>
                        <Typography.Text type="secondary">{f.message}</Typography.Text>
                        {f.evidence.map((e, i) => (
                          <Typography.Link key={i} onClick={() => seek(e.startMs)} data-testid="evidence">
                            {t('evidence')} {(e.startMs / 1000).toFixed(1)}–{(e.endMs / 1000).toFixed(1)} s
                            {e.text ? `: “${e.text}”` : ''}
                          </Typography.Link>
                        ))}
                        {f.review ? (
                          <Typography.Text data-testid="reviewed">
                            {t('reviewed', { state: t(f.review.state), by: f.review.by })}
                          </Typography.Text>
                        ) : (
                          can(me, 'verdict:review') &&
                          (f.result === 'pass' || f.result === 'fail') && (
                            <Space.Compact style={{ width: '100%' }}>
                              <Input
                                aria-label={t('reviewComment')}
                                placeholder={t('reviewComment')}
                                value={comment[f.id] ?? ''}
                                onChange={(e) => setComment({ ...comment, [f.id]: e.target.value })}
                              />
                              {(['confirm', 'overturn'] as const).map((d) => (
                                <Button
                                  key={d}
                                  data-testid={d}
                                  disabled={(comment[f.id] ?? '').trim().length < 10}
                                  loading={review.isPending}
                                  onClick={() =>
                                    review.mutate({ findingId: f.id, decision: d, comment: comment[f.id] ?? '' })
                                  }
                                >
                                  {t(d)}
                                </Button>
                              ))}
                            </Space.Compact>
                          )
                        )}
                      </Space>
                    </List.Item>
                  )}
                />
                {review.isError && <Alert type="error" title={String(review.error)} />}
                <Card size="small" title={t('disputes')} data-testid="disputes" style={{ marginTop: 12 }}>
                  {current.disputes.map((d) => (
                    <Space key={d.id} orientation="vertical" size={4} style={{ width: '100%' }}>
                      <Typography.Text>
                        <Tag color={d.status === 'open' ? TAG.info : d.status === 'accepted' ? TAG.good : TAG.bad}>
                          {t(`dispute_${d.status}`)}
                        </Tag>
                        {d.raisedBy}: “{d.comment}”
                      </Typography.Text>
                      {d.decidedBy && (
                        <Typography.Text data-testid="dispute-decision">
                          {d.decidedBy}: “{d.decisionComment}”
                        </Typography.Text>
                      )}
                      {d.status === 'open' && can(me, 'verdict:review') && (
                        <Space.Compact style={{ width: '100%' }}>
                          <Input
                            aria-label={t('decisionComment')}
                            placeholder={t('decisionComment')}
                            value={decisionText}
                            onChange={(e) => setDecisionText(e.target.value)}
                          />
                          {(['accepted', 'rejected'] as const).map((x) => (
                            <Button
                              key={x}
                              data-testid={`decide-${x}`}
                              disabled={decisionText.trim().length < 10}
                              loading={decide.isPending}
                              onClick={() => decide.mutate({ disputeId: d.id, decision: x })}
                            >
                              {t(`decide_${x}`)}
                            </Button>
                          ))}
                        </Space.Compact>
                      )}
                    </Space>
                  ))}
                  {!current.disputes.some((d) => d.status === 'open') &&
                    can(me, 'verdict:dispute') &&
                    c.agentId === me.username && (
                      <Space.Compact style={{ width: '100%', marginTop: 8 }}>
                        <Input
                          aria-label={t('disputeComment')}
                          placeholder={t('disputeComment')}
                          value={disputeText}
                          onChange={(e) => setDisputeText(e.target.value)}
                        />
                        <Button
                          data-testid="dispute"
                          disabled={disputeText.trim().length < 10}
                          loading={dispute.isPending}
                          onClick={() => dispute.mutate(current.id)}
                        >
                          {t('dispute')}
                        </Button>
                      </Space.Compact>
                    )}
                  {(dispute.isError || decide.isError) && (
                    <Alert type="error" title={String(dispute.error ?? decide.error)} style={{ marginTop: 8 }} />
                  )}
                </Card>
              </>
            )}
          </Card>
        </Col>
      </Row>
      <Collapse
        items={[
          {
            key: 'history',
            label: t('history'),
            children: (
              <List
                size="small"
                dataSource={c.events}
                renderItem={(e) => (
                  <List.Item>
                    {e.at.replace('T', ' ').slice(0, 19)} · {e.stage} · {e.kind}
                    {e.attempt ? ` (#${e.attempt})` : ''}
                  </List.Item>
                )}
              />
            ),
          },
        ]}
      />
    </Space>
  );
}
