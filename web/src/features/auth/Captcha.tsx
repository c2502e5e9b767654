import { useCallback, useEffect, useState } from 'react';
import { Input, Space, Tooltip } from 'antd';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';

/** The image captcha the server asks for after repeated failures; click the picture for a new one. */
export function Captcha({
  onChange,
  nonce,
}: {
  onChange: (v: { captchaId: string; captchaAnswer: string } | undefined) => void;
  nonce: number;
}) {
  const { t } = useI18n();
  const [img, setImg] = useState<{ captchaId: string; svg: string }>();
  const [answer, setAnswer] = useState('');

  const reload = useCallback(async () => {
    setAnswer('');
    setImg(undefined);
    onChange(undefined);
    try {
      setImg(await call(api.GET('/api/v1/auth/captcha')));
    } catch {
      setImg(undefined);
    }
  }, [onChange]);

  // A captcha is single-use: every new attempt (nonce) gets a fresh one.
  useEffect(() => {
    void reload();
  }, [reload, nonce]);

  return (
    <Space.Compact style={{ width: '100%' }}>
      <Input
        size="large"
        placeholder={t('auth.captcha')}
        value={answer}
        maxLength={8}
        autoComplete="off"
        data-testid="captcha-answer"
        data-captcha-id={img?.captchaId}
        onChange={(e) => {
          setAnswer(e.target.value);
          if (img) onChange({ captchaId: img.captchaId, captchaAnswer: e.target.value });
        }}
      />
      <Tooltip title={t('auth.captchaHint')}>
        <button
          type="button"
          className="captcha-img"
          onClick={() => void reload()}
          aria-label={t('auth.captchaHint')}
          data-testid="captcha-image"
        >
          {img && <img alt={t('auth.captcha')} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(img.svg)}`} />}
        </button>
      </Tooltip>
    </Space.Compact>
  );
}
