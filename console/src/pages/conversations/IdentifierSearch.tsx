import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Input, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { components } from '../../api/schema';

type Item = components['schemas']['ConversationListItem'];
type Kind = components['schemas']['IdentifierQuery']['kind'];
const KINDS: Kind[] = ['customer_ref', 'phone', 'bank_account', 'email', 'cn_resident_id'];

/**
 * Exact search by a customer identifier. The appliance looks it up in keyed blind indexes (nothing is decrypted);
 * the person states why, and the trail records the kind, the reason and how many matched — never the identifier.
 * The value is not kept anywhere in the browser after the search.
 */
export function IdentifierSearch({ onResult }: { onResult: (items: Item[] | null) => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Kind>('customer_ref');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const search = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/v1/conversations/search/identifier', {
        body: { kind, value: value.trim(), reason: reason.trim() },
      });
      if (error) throw new Error(error.error.message);
      return data.items;
    },
    onSuccess: (items) => {
      setValue('');
      onResult(items);
    },
  });
  const ready = value.trim().length >= 3 && reason.trim().length >= 10;
  return (
    <Card size="small" title={t('identifierSearch')} style={{ marginBottom: 12 }} data-testid="identifier-search">
      <Space wrap>
        <Select
          aria-label={t('identifierKind')}
          value={kind}
          style={{ width: 190 }}
          onChange={setKind}
          options={KINDS.map((k) => ({ value: k, label: t(`idkind_${k}`) }))}
        />
        <Input
          aria-label={t('identifierValue')}
          placeholder={t('identifierValue')}
          value={value}
          autoComplete="off"
          onChange={(e) => setValue(e.target.value)}
          style={{ width: 220 }}
        />
        <Input
          aria-label={t('reason')}
          placeholder={t('identifierReason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          style={{ width: 320 }}
        />
        <Button type="primary" disabled={!ready} loading={search.isPending} onClick={() => search.mutate()}>
          {t('find')}
        </Button>
      </Space>
      {search.isError && <Alert type="error" title={String(search.error)} style={{ marginTop: 8 }} />}
    </Card>
  );
}
