import { Alert, Input, Modal, Typography } from 'antd';
import type { ReactNode } from 'react';

/**
 * A dialog that asks why before it acts (unmask, legal hold, an approval's decision): the action stays disabled until
 * the reason has 10 characters, as the API requires; the API's refusal is shown in the dialog.
 */
export function ReasonModal(p: {
  open: boolean;
  title: string;
  okText: string;
  /** what happens, above the reason */
  explain?: string;
  label: string;
  placeholder?: string;
  testId: string;
  value: string;
  onChange: (v: string) => void;
  onOk: () => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
  danger?: boolean;
  children?: ReactNode;
}) {
  return (
    <Modal
      open={p.open}
      title={p.title}
      okText={p.okText}
      okButtonProps={{ disabled: p.value.trim().length < 10, danger: p.danger, loading: p.pending }}
      onOk={p.onOk}
      onCancel={p.onCancel}
    >
      {p.explain && <Typography.Paragraph>{p.explain}</Typography.Paragraph>}
      <Input.TextArea
        aria-label={p.label}
        placeholder={p.placeholder ?? p.label}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
        data-testid={p.testId}
      />
      {p.error != null && <Alert type="error" title={String(p.error)} style={{ marginTop: 8 }} />}
      {p.children}
    </Modal>
  );
}
