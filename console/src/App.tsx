import { useQuery } from '@tanstack/react-query';
import { Alert, Button, ConfigProvider, Layout, Result, Segmented, Space, Spin, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sessionEvents, signOut, whoAmI } from './api/client';
import { Lang, setLanguage } from './i18n';
import { ConversationPage } from './pages/Conversation';
import { ConversationsPage } from './pages/Conversations';
import { navigate, usePath } from './router';
import { theme } from './ui';

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

export function App({ nonce }: { nonce?: string }) {
  const { t, i18n } = useTranslation();
  const lang = (i18n.language as Lang) ?? 'en';
  const path = usePath();
  const [ended, setEnded] = useState(false);
  const me = useQuery({ queryKey: ['me'], queryFn: whoAmI, staleTime: 60_000 });

  useEffect(() => {
    const on = () => setEnded(true);
    sessionEvents.addEventListener('ended', on);
    return () => sessionEvents.removeEventListener('ended', on);
  }, []);
  const params = new URLSearchParams(window.location.search);

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
  else {
    const m = /^\/conversations\/([0-9a-f-]{36})$/.exec(path);
    body = m ? <ConversationPage id={m[1]} me={me.data} /> : <ConversationsPage />;
  }

  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} csp={{ nonce }} theme={theme}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Header style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between' }}>
          <Typography.Link style={{ color: '#fff', fontSize: 18 }} onClick={() => navigate('/')}>
            {t('appName')}
          </Typography.Link>
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
