import { useEffect, useState } from 'react';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';

type OrderType = ResponseOf<'/api/v1/order-types', 'get'>['items'][number];

/** The order-type catalogue and a function naming a type in the UI language. */
export function useOrderTypes(): { types: OrderType[]; typeName: (code: string) => string } {
  const { locale } = useI18n();
  const [types, setTypes] = useState<OrderType[]>([]);
  useEffect(() => {
    void call(api.GET('/api/v1/order-types')).then((r) => setTypes(r.items));
  }, []);
  const typeName = (code: string) => {
    const x = types.find((y) => y.code === code);
    return x ? (locale === 'zh-CN' ? x.nameZh : x.nameEn) : code;
  };
  return { types, typeName };
}
