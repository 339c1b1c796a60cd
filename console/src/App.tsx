import { useQuery } from '@tanstack/react-query';
import { Alert, Button, ConfigProvider, Layout, Menu, Result, Segmented, Space, Spin, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, Me, sessionEvents, signOut, whoAmI } from './api/client';
import { Lang, setLanguage } from './i18n';
import { ConversationPage } from './pages/Conversation';
import { ConversationsPage } from './pages/Conversations';
import { DashboardPage } from './pages/Dashboard';
import { ApprovalsPage } from './pages/Approvals';
import { AuditPage } from './pages/Audit';
import { PoliciesPage } from './pages/Policies';
import { ReportsPage } from './pages/Reports';
import { ReviewPage } from './pages/Review';
import { LivePage } from './pages/Live';
import { SystemPage } from './pages/System';
import { navigate, usePath } from './router';
import { theme } from './ui';

/**
 * The person's "reduce motion" setting (prefers-reduced-motion), followed while the page is open: with it, Ant Design's
 * zoom, slide and fade motions and the ripple on a clicked button are off, and popovers, menus and dialogs appear
 * where they end up (WCAG 2.3.3).
 */
function useReducedMotion(): boolean {
  const query = '(prefers-reduced-motion: reduce)';
  const [reduced, setReduced] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setReduced(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return reduced;
}

function SignIn({ reason }: { reason?: string }) {
  const { t } = useTranslation();
  const next = encodeURIComponent(window.location.pathname);
  return (
    <Result
      title={t('appName')}
      subTitle={reason}
      extra={
        <Button type="primary" href={`/auth/login?next=${next}`} data-testid="sign-in">
          {t('signIn')}
        </Button>
      }
    />
  );
}

/** The pages a person may open, by the permissions the API gave their roles; anything else is "not found". */
export const PAGES = [
  { path: '/', key: 'conversations', permission: 'conversation:list' },
  { path: '/review', key: 'review', permission: 'verdict:review' },
  { path: '/live', key: 'live', permission: 'live:monitor' },
  { path: '/approvals', key: 'approvals', permission: 'transcript:unmask' },
  { path: '/dashboard', key: 'dashboard', permission: 'report:read' },
  { path: '/reports', key: 'reports', permission: 'report:read' },
  { path: '/policies', key: 'policies', permission: 'report:read' },
  { path: '/audit', key: 'audit', permission: 'audit:read' },
  { path: '/system', key: 'system', permission: 'system:admin' },
] as const;

/** A page this person sees: their roles allow it, and the approvals inbox only where the two-person rule is on. */
const shows = (me: Me, p: (typeof PAGES)[number]) =>
  can(me, p.permission) && (p.key !== 'approvals' || me.unmaskApproval === 'two-person');

function page(path: string, me: Me, notFound: string) {
  const m = /^\/conversations\/([0-9a-f-]{36})$/.exec(path);
  if (m && can(me, 'conversation:list')) return <ConversationPage id={m[1]} me={me} />;
  // the home page is the first page the roles allow (an auditor lands on the dashboard, an admin on the system page)
  const p = path === '/' ? PAGES.find((x) => shows(me, x)) : PAGES.find((x) => x.path === path && x.path !== '/');
  if (!p || !shows(me, p)) return <Result status="404" title={notFound} />;
  if (p.key === 'dashboard') return <DashboardPage />;
  if (p.key === 'reports') return <ReportsPage me={me} />;
  if (p.key === 'review') return <ReviewPage />;
  if (p.key === 'live') return <LivePage />;
  if (p.key === 'audit') return <AuditPage />;
  if (p.key === 'approvals') return <ApprovalsPage />;
  if (p.key === 'system') return <SystemPage />;
  if (p.key === 'policies') return <PoliciesPage me={me} />;
  return <ConversationsPage me={me} />;
}

export function App({ nonce }: { nonce?: string }) {
  const { t, i18n } = useTranslation();
  const lang = (i18n.language as Lang) ?? 'en';
  const path = usePath();
  const [ended, setEnded] = useState(false);
  const reducedMotion = useReducedMotion();
  // one theme object per setting: a new object on every render would have Ant Design work its tokens out again
  const themed = useMemo(() => ({ ...theme, token: { ...theme.token, motion: !reducedMotion } }), [reducedMotion]);
  const me = useQuery({ queryKey: ['me'], queryFn: whoAmI, staleTime: 60_000 });

  useEffect(() => {
    const on = () => setEnded(true);
    sessionEvents.addEventListener('ended', on);
    return () => sessionEvents.removeEventListener('ended', on);
  }, []);
  const params = new URLSearchParams(window.location.search);
  const signedIn = me.data && !('ended' in me.data) && !ended ? me.data : undefined;

  let body;
  if (me.isLoading) body = <Spin />;
  else if (me.isError) body = <Alert type="error" title={String(me.error)} />;
  else if (!me.data || 'ended' in me.data || ended)
    body = (
      <SignIn
        reason={
          params.get('signin') === 'failed' || params.get('signin') === 'expired'
            ? t('signInFailed')
            : ended || (me.data && 'ended' in me.data && me.data.ended === 'session_expired')
              ? t('sessionExpired')
              : undefined
        }
      />
    );
  else body = page(path, me.data, t('notFound'));

  return (
    <ConfigProvider
      locale={lang === 'zh' ? zhCN : enUS}
      csp={{ nonce }}
      theme={themed}
      wave={{ disabled: reducedMotion }}
    >
      <Layout style={{ minHeight: '100vh' }} data-motion={reducedMotion ? 'reduced' : 'full'}>
        <Layout.Header style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between' }}>
          <Space size="large">
            <Typography.Link style={{ color: '#fff', fontSize: 18 }} onClick={() => navigate('/')}>
              {t('appName')}
            </Typography.Link>
            {signedIn && (
              <Menu
                theme="dark"
                mode="horizontal"
                selectedKeys={[PAGES.find((p) => p.path === path)?.key ?? '']}
                style={{ minWidth: 600, flex: 1 }}
                items={PAGES.filter((p) => shows(signedIn, p)).map((p) => ({
                  key: p.key,
                  label: t(p.key),
                  onClick: () => navigate(p.path),
                }))}
              />
            )}
          </Space>
          <Space>
            <Segmented
              aria-label={t('language')}
              value={lang}
              onChange={(v) => setLanguage(v as Lang)}
              options={[
                { label: 'English', value: 'en' },
                { label: '中文', value: 'zh' },
              ]}
            />
            {me.data && !('ended' in me.data) && !ended && (
              <>
                <Typography.Text style={{ color: '#fff' }} data-testid="user">
                  {me.data.username}
                </Typography.Text>
                <Button onClick={() => void signOut()} data-testid="sign-out">
                  {t('signOut')}
                </Button>
              </>
            )}
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>{body}</Layout.Content>
      </Layout>
    </ConfigProvider>
  );
}
