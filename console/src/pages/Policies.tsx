import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Input, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ReasonModal } from '../ReasonModal';
import { api, can, Me } from '../api/client';
import type { components } from '../api/schema';
import { TAG } from '../ui';
import { Compare } from './policies/Compare';
import { Reinspect } from './policies/Reinspect';

type Regression = components['schemas']['RegressionReport'];

/** A regression report: how many labelled cases agree, and each one that does not. */
function RegressionView({ r }: { r: Regression }) {
  const { t } = useTranslation();
  return (
    <div data-testid="regression">
      <Alert
        type={r.disagree.length ? 'error' : 'success'}
        title={t('regressionSummary', {
          policy: r.policy,
          agree: r.agree,
          cases: r.cases,
          disagree: r.disagree.length,
          skipped: r.skipped.length,
        })}
      />
      {r.disagree.length > 0 && (
        <Table
          style={{ marginTop: 8 }}
          size="small"
          pagination={false}
          rowKey={(d) => `${d.conversationId}/${d.ruleId}`}
          dataSource={r.disagree}
          columns={[
            {
              title: t('conversation'),
              dataIndex: 'conversationId',
              render: (v: string) => <a href={`/conversations/${v}`}>{v.slice(0, 8)}</a>,
            },
            { title: t('rule'), dataIndex: 'ruleId' },
            { title: t('expected'), dataIndex: 'expected' },
            { title: t('got'), dataIndex: 'got' },
            { title: t('labelSource'), dataIndex: 'source' },
          ]}
        />
      )}
    </div>
  );
}

/**
 * QA policy versions: the list; a draft pasted as YAML is validated (errors at line:column) and stored by a QA
 * analyst, who replays the labelled cases against any version; two versions compared line by line; a compliance
 * officer activates a draft with a reason (a regression on the labelled cases refuses it, and says which) and
 * re-inspects a period with its progress.
 */
export function PoliciesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ['policies'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/policies');
      if (error) throw new Error('policies');
      return data.items;
    },
  });
  const [source, setSource] = useState('');
  const validate = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/v1/policies/validate', { body: { source } });
      if (error) throw new Error(error.error.message);
      return data;
    },
  });
  const store = useMutation({
    mutationFn: async () => {
      const { error } = await api.POST('/api/v1/policies', { body: { source } });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['policies'] }),
  });
  const [activating, setActivating] = useState<{ policyId: string; version: number } | null>(null);
  const [reason, setReason] = useState('');
  const [refused, setRefused] = useState<Regression | null>(null);
  const activate = useMutation({
    mutationFn: async (v: { policyId: string; version: number }) => {
      setRefused(null);
      const { error } = await api.POST('/api/v1/policies/{policyId}/versions/{version}/activate', {
        params: { path: { policyId: v.policyId, version: v.version } },
        body: { reason, acceptRegressions: false },
      });
      if (error) {
        if (error.error.code === 'regressions') setRefused(error.error.details as Regression);
        throw new Error(error.error.message);
      }
    },
    onSuccess: () => {
      setActivating(null);
      setReason('');
      void qc.invalidateQueries({ queryKey: ['policies'] });
    },
  });
  const regress = useMutation({
    mutationFn: async (v: { policyId: string; version: number }) => {
      const { data, error } = await api.POST('/api/v1/policies/{policyId}/versions/{version}/regress', {
        params: { path: { policyId: v.policyId, version: v.version } },
      });
      if (error) throw new Error(error.error.message);
      return data;
    },
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('policies')}</Typography.Title>
      <Table
        rowKey={(r) => `${r.policyId}@${r.version}`}
        size="small"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        pagination={false}
        columns={[
          { title: t('policy'), dataIndex: 'policyId' },
          { title: t('version'), dataIndex: 'version' },
          { title: t('title'), dataIndex: 'title' },
          {
            title: t('status'),
            dataIndex: 'status',
            render: (v: string) => (
              <Tag color={v === 'active' ? TAG.good : v === 'draft' ? TAG.info : undefined}>{v}</Tag>
            ),
          },
          {
            title: 'SHA-256',
            dataIndex: 'contentHash',
            render: (v: string) => <Typography.Text code>{v.slice(0, 12)}</Typography.Text>,
          },
          { title: t('activatedBy'), render: (_, r) => r.activatedBy ?? '–' },
          {
            title: '',
            render: (_, r) => (
              <Space>
                {can(me, 'policy:draft') && (
                  <Button
                    size="small"
                    loading={
                      regress.isPending &&
                      regress.variables?.version === r.version &&
                      regress.variables.policyId === r.policyId
                    }
                    onClick={() => regress.mutate({ policyId: r.policyId, version: r.version })}
                  >
                    {t('regress')}
                  </Button>
                )}
                {r.status === 'draft' && can(me, 'policy:approve') && (
                  <Button size="small" onClick={() => setActivating({ policyId: r.policyId, version: r.version })}>
                    {t('activate')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      {regress.isError && <Alert type="error" title={String(regress.error)} />}
      {regress.data && <RegressionView r={regress.data} />}
      <Compare versions={list.data ?? []} />
      {can(me, 'policy:approve') && <Reinspect />}
      {can(me, 'policy:draft') && (
        <Card size="small" title={t('draft')}>
          <Input.TextArea
            aria-label={t('draftYaml')}
            placeholder={t('draftYaml')}
            rows={10}
            value={source}
            onChange={(e) => setSource(e.target.value)}
            style={{ fontFamily: 'monospace' }}
            data-testid="policy-source"
          />
          <Space style={{ marginTop: 8 }}>
            <Button
              data-testid="validate"
              disabled={!source.trim()}
              loading={validate.isPending}
              onClick={() => validate.mutate()}
            >
              {t('validate')}
            </Button>
            <Button
              type="primary"
              disabled={!validate.data?.valid}
              loading={store.isPending}
              onClick={() => store.mutate()}
            >
              {t('storeDraft')}
            </Button>
          </Space>
          {validate.data && (
            <Alert
              style={{ marginTop: 8 }}
              data-testid="validation"
              type={validate.data.valid ? 'success' : 'error'}
              title={
                validate.data.valid
                  ? t('valid', {
                      id: validate.data.policy?.id,
                      version: validate.data.policy?.version,
                      rules: validate.data.policy?.rules,
                    })
                  : `${validate.data.error?.line}:${validate.data.error?.column} ${validate.data.error?.field}: ${validate.data.error?.problem}`
              }
            />
          )}
          {store.isError && <Alert type="error" title={String(store.error)} style={{ marginTop: 8 }} />}
        </Card>
      )}
      <ReasonModal
        open={Boolean(activating)}
        title={t('activateTitle', { policy: activating?.policyId, version: activating?.version })}
        okText={t('activate')}
        explain={t('activateExplain')}
        label={t('reason')}
        testId="activate-reason"
        value={reason}
        onChange={setReason}
        onOk={() => activating && activate.mutate(activating)}
        onCancel={() => {
          setActivating(null);
          setRefused(null);
          activate.reset();
        }}
        pending={activate.isPending}
        error={activate.error}
      >
        {refused && (
          <div style={{ marginTop: 8 }}>
            <RegressionView r={refused} />
          </div>
        )}
      </ReasonModal>
    </Space>
  );
}
