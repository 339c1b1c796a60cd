import { useInfiniteQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Checkbox,
  DatePicker,
  Input,
  Modal,
  Popover,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { KeyboardEvent, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, Me } from '../api/client';
import type { components } from '../api/schema';
import { navigate } from '../router';
import { TAG } from '../ui';
import { IdentifierSearch } from './conversations/IdentifierSearch';
import {
  Column,
  COLUMNS,
  ListFilter,
  loadColumns,
  loadViews,
  saveColumns,
  saveViews,
  SavedView,
  upsertView,
} from './conversations/views';

type Item = components['schemas']['ConversationListItem'];

/** Moves focus between the list's rows: ↓/j next, ↑/k previous, Home/End, Enter or o opens. */
function rowKeys(e: KeyboardEvent<HTMLElement>, id: string) {
  const rows = Array.from(e.currentTarget.closest('tbody')?.querySelectorAll<HTMLElement>('tr[data-row-key]') ?? []);
  const i = rows.indexOf(e.currentTarget);
  const go = (j: number) => {
    e.preventDefault();
    rows[Math.max(0, Math.min(rows.length - 1, j))]?.focus();
  };
  if (e.key === 'ArrowDown' || e.key === 'j') go(i + 1);
  else if (e.key === 'ArrowUp' || e.key === 'k') go(i - 1);
  else if (e.key === 'Home') go(0);
  else if (e.key === 'End') go(rows.length - 1);
  else if (e.key === 'Enter' || e.key === 'o') {
    e.preventDefault();
    navigate(`/conversations/${id}`);
  }
}

/** The conversations the signed-in person may see (the API applies their scope), newest first, by cursor. */
export function ConversationsPage({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const [filter, setFilter] = useState<ListFilter>({});
  const [columns, setColumns] = useState<Column[]>(() => loadColumns(me.username));
  const [views, setViews] = useState<SavedView[]>(() => loadViews(me.username));
  const [view, setView] = useState<string | undefined>();
  const [naming, setNaming] = useState<string | null>(null);
  const [found, setFound] = useState<Item[] | null>(null);
  const tableRef = useRef<HTMLDivElement>(null);
  const set = (patch: Partial<ListFilter>) => {
    setView(undefined);
    setFilter((f) => ({ ...f, ...patch }));
  };
  const list = useInfiniteQuery({
    queryKey: ['conversations', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const { data, error } = await api.GET('/api/v1/conversations', {
        params: {
          query: {
            limit: 50,
            ...(pageParam ? { cursor: pageParam } : {}),
            ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)),
          },
        },
      });
      if (error) throw new Error(error.error.message);
      return data;
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: found === null,
  });
  const fmt = useMemo(
    () =>
      new Intl.DateTimeFormat(i18n.language === 'zh' ? 'zh-CN' : 'en-GB', {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'UTC',
      }),
    [i18n.language],
  );
  if (list.isError) return <Alert type="error" title={String(list.error)} />;
  const rows = found ?? list.data?.pages.flatMap((p) => p.items) ?? [];

  const all: Record<Column, ColumnsType<Item>[number]> = {
    started: { title: t('started'), dataIndex: 'startedAt', render: (v: string) => `${fmt.format(new Date(v))} UTC` },
    channel: { title: t('channel'), dataIndex: 'channel' },
    agent: { title: t('agent'), dataIndex: 'agentId' },
    team: { title: t('team'), dataIndex: 'teamId' },
    queue: { title: t('queue'), dataIndex: 'queue' },
    duration: {
      title: t('duration'),
      dataIndex: 'durationMs',
      render: (v: number | null) => (v === null ? '–' : `${Math.round(v / 1000)} s`),
    },
    intent: { title: t('intent'), dataIndex: 'intent' },
    verdict: {
      title: t('verdict'),
      dataIndex: 'verdict',
      render: (v: Item['verdict']) =>
        !v ? (
          '–'
        ) : v.outcome === 'not_applicable' ? (
          <Tag>{t('notApplicable')}</Tag>
        ) : (
          <Space size={4}>
            <Tag color={v.passed ? TAG.good : TAG.bad}>
              {v.passed ? t('pass') : t('fail')} {v.score ?? ''}
            </Tag>
            {v.fatal && <Tag color={TAG.bad}>{t('fatal')}</Tag>}
          </Space>
        ),
    },
    status: {
      title: t('status'),
      dataIndex: 'status',
      render: (v: string) => <Tag color={v === 'inspected' ? TAG.good : v === 'failed' ? TAG.bad : TAG.info}>{v}</Tag>,
    },
    escalation: {
      title: t('escalation'),
      dataIndex: 'escalation',
      render: (v: Item['escalation']) =>
        !v || v.level === 'none' ? '–' : <Tag color={v.level === 'escalate' ? TAG.warn : TAG.info}>{v.level}</Tag>,
    },
    language: { title: t('languageColumn'), dataIndex: 'language' },
  };
  const chooseColumns = (cols: Column[]) => {
    const next = COLUMNS.filter((c) => cols.includes(c));
    setColumns(next);
    saveColumns(me.username, next);
  };
  const applyView = (name: string | undefined) => {
    setView(name);
    const v = views.find((x) => x.name === name);
    if (!v) return;
    setFound(null);
    setFilter(v.filter);
    setColumns(v.columns);
  };
  const storeView = (name: string) => {
    const next = upsertView(views, { name, filter, columns });
    setViews(next);
    saveViews(me.username, next);
    setView(name);
    setNaming(null);
  };
  const deleteView = () => {
    const next = views.filter((v) => v.name !== view);
    setViews(next);
    saveViews(me.username, next);
    setView(undefined);
  };
  const yesNo = [
    { value: 'true', label: t('yes') },
    { value: 'false', label: t('no') },
  ];

  return (
    <>
      <Typography.Title level={3}>{t('conversations')}</Typography.Title>
      <Space wrap style={{ marginBottom: 12 }} data-testid="views">
        <Select
          aria-label={t('savedView')}
          placeholder={t('savedView')}
          allowClear
          style={{ width: 220 }}
          value={view}
          onChange={applyView}
          options={views.map((v) => ({ value: v.name, label: v.name }))}
          data-testid="view-select"
        />
        <Button onClick={() => setNaming(view ?? '')} data-testid="save-view">
          {t('saveView')}
        </Button>
        {view && (
          <Button danger onClick={deleteView}>
            {t('deleteView')}
          </Button>
        )}
        <Popover
          trigger="click"
          title={t('columns')}
          content={
            <Checkbox.Group
              style={{ display: 'grid', gap: 4 }}
              value={columns}
              onChange={(v) => chooseColumns(v as Column[])}
              options={COLUMNS.map((c) => ({ value: c, label: (all[c].title as string) ?? c }))}
            />
          }
        >
          <Button data-testid="columns">{t('columns')}</Button>
        </Popover>
        <Typography.Text type="secondary">{t('keyboardHint')}</Typography.Text>
      </Space>
      <Space wrap style={{ marginBottom: 12 }} data-testid="filters">
        <DatePicker.RangePicker
          aria-label={t('period')}
          showTime
          value={filter.from && filter.to ? [dayjs(filter.from), dayjs(filter.to)] : null}
          onChange={(v) => set({ from: v?.[0]?.toISOString() ?? undefined, to: v?.[1]?.toISOString() ?? undefined })}
        />
        <Select
          aria-label={t('channel')}
          placeholder={t('channel')}
          allowClear
          style={{ width: 110 }}
          value={filter.channel}
          onChange={(v) => set({ channel: v })}
          options={['call', 'chat', 'email', 'sms'].map((c) => ({ value: c, label: c }))}
        />
        <Select
          aria-label={t('status')}
          placeholder={t('status')}
          allowClear
          style={{ width: 140 }}
          value={filter.status}
          onChange={(v) => set({ status: v })}
          options={['inspected', 'failed', 'received', 'transcribing', 'understood'].map((c) => ({
            value: c,
            label: c,
          }))}
        />
        <Select
          aria-label={t('verdict')}
          placeholder={t('verdict')}
          allowClear
          style={{ width: 120 }}
          value={filter.passed}
          onChange={(v) => set({ passed: v })}
          options={[
            { value: 'true', label: t('pass') },
            { value: 'false', label: t('fail') },
          ]}
        />
        <Select
          aria-label={t('fatal')}
          placeholder={t('fatal')}
          allowClear
          style={{ width: 110 }}
          value={filter.fatal}
          onChange={(v) => set({ fatal: v })}
          options={yesNo}
        />
        <Select
          aria-label={t('sentiment')}
          placeholder={t('sentiment')}
          allowClear
          style={{ width: 150 }}
          value={filter.sentiment}
          onChange={(v) => set({ sentiment: v })}
          options={(['negative', 'neutral', 'positive'] as const).map((s) => ({ value: s, label: t(`sent_${s}`) }))}
        />
        {(
          [
            ['teamId', 'team', 130],
            ['agentId', 'agent', 130],
            ['queue', 'queue', 140],
            ['intent', 'intent', 170],
            ['failedRule', 'failedRule', 170],
          ] as const
        ).map(([k, label, w]) => (
          <TextFilter
            key={k}
            label={t(label)}
            width={w}
            value={filter[k]}
            onChange={(v) => set({ [k]: v } as Partial<ListFilter>)}
          />
        ))}
      </Space>
      <IdentifierSearch onResult={setFound} />
      {found && (
        <Alert
          style={{ marginBottom: 12 }}
          type="info"
          data-testid="identifier-results"
          title={t('identifierResults', { count: found.length })}
          action={
            <Button size="small" onClick={() => setFound(null)}>
              {t('backToList')}
            </Button>
          }
        />
      )}
      <div ref={tableRef}>
        <Table<Item>
          rowKey="id"
          loading={found === null && list.isLoading}
          dataSource={rows}
          pagination={false}
          size="small"
          onRow={(r) => ({
            tabIndex: 0,
            'aria-label': `${t('conversation')} ${r.id.slice(0, 8)}`,
            onClick: () => navigate(`/conversations/${r.id}`),
            onKeyDown: (e: KeyboardEvent<HTMLElement>) => rowKeys(e, r.id),
            style: { cursor: 'pointer' },
          })}
          columns={columns.map((c) => ({ ...all[c], key: c }))}
        />
      </div>
      {found === null && list.hasNextPage && (
        <Button style={{ marginTop: 12 }} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t('loadMore')}
        </Button>
      )}
      <Modal
        open={naming !== null}
        title={t('saveView')}
        okText={t('save')}
        okButtonProps={{ disabled: !naming?.trim() }}
        onOk={() => naming?.trim() && storeView(naming.trim())}
        onCancel={() => setNaming(null)}
      >
        <Input
          aria-label={t('viewName')}
          placeholder={t('viewName')}
          maxLength={60}
          value={naming ?? ''}
          onChange={(e) => setNaming(e.target.value)}
          data-testid="view-name"
        />
      </Modal>
    </>
  );
}

/** A text filter that applies on Enter or the search button, and shows the value a saved view put there. */
function TextFilter(p: { label: string; width: number; value?: string; onChange: (v: string | undefined) => void }) {
  const [text, setText] = useState(p.value ?? '');
  const [shown, setShown] = useState(p.value);
  if (shown !== p.value) {
    setShown(p.value);
    setText(p.value ?? '');
  }
  return (
    <Input.Search
      aria-label={p.label}
      placeholder={p.label}
      allowClear
      style={{ width: p.width }}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onSearch={(v) => p.onChange(v.trim() || undefined)}
    />
  );
}
