import { useEffect, useState } from 'react';
import { Select, Space } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';

type Region = ResponseOf<'/api/v1/regions', 'get'>['items'][number];

async function children(parent?: string): Promise<Region[]> {
  return (await call(api.GET('/api/v1/regions', { params: { query: parent ? { parent } : {} } }))).items;
}

/**
 * Province → city → district pickers (GET /api/v1/regions). `value` is the deepest chosen code;
 * with `anyLevel` a province or city alone is also a value (for search filters).
 */
export function RegionPicker({
  value,
  onChange,
  anyLevel = false,
}: {
  value?: string;
  onChange?: (code: string | undefined) => void;
  anyLevel?: boolean;
}) {
  const { t } = useI18n();
  const [provinces, setProvinces] = useState<Region[]>([]);
  const [cities, setCities] = useState<Region[]>([]);
  const [districts, setDistricts] = useState<Region[]>([]);
  const [province, setProvince] = useState<string>();
  const [city, setCity] = useState<string>();
  const [district, setDistrict] = useState<string>();

  useEffect(() => {
    void children().then(setProvinces);
  }, []);

  // An existing district code (editing a store): derive province and city from the GB/T 2260 prefix.
  useEffect(() => {
    if (!value || value === district || value === city || value === province) return;
    const p = `${value.slice(0, 2)}0000`;
    const c = `${value.slice(0, 4)}00`;
    setProvince(p);
    void children(p).then((cs) => {
      setCities(cs);
      const cityCode = cs.some((x) => x.code === c) ? c : cs[0]?.code;
      setCity(cityCode);
      if (cityCode) void children(cityCode).then(setDistricts);
      setDistrict(value);
    });
  }, [value, district, city, province]);

  const pickProvince = (code: string | undefined) => {
    setProvince(code);
    setCity(undefined);
    setDistrict(undefined);
    setCities([]);
    setDistricts([]);
    if (code) void children(code).then(setCities);
    onChange?.(anyLevel ? code : undefined);
  };
  const pickCity = (code: string | undefined) => {
    setCity(code);
    setDistrict(undefined);
    setDistricts([]);
    if (code) void children(code).then(setDistricts);
    onChange?.(anyLevel ? (code ?? province) : undefined);
  };
  const pickDistrict = (code: string | undefined) => {
    setDistrict(code);
    onChange?.(code ?? (anyLevel ? (city ?? province) : undefined));
  };
  const opts = (rs: Region[]) => rs.map((r) => ({ value: r.code, label: r.name }));
  return (
    <Space.Compact block>
      <Select
        data-testid="region-province"
        allowClear={anyLevel}
        showSearch={{ optionFilterProp: 'label' }}
        placeholder={t('stores.province')}
        value={province}
        options={opts(provinces)}
        onChange={pickProvince}
        style={{ width: '34%' }}
      />
      <Select
        data-testid="region-city"
        allowClear={anyLevel}
        showSearch={{ optionFilterProp: 'label' }}
        placeholder={t('stores.city')}
        value={city}
        options={opts(cities)}
        onChange={pickCity}
        style={{ width: '33%' }}
      />
      <Select
        data-testid="region-district"
        allowClear={anyLevel}
        showSearch={{ optionFilterProp: 'label' }}
        placeholder={t('stores.district')}
        value={district}
        options={opts(districts)}
        onChange={pickDistrict}
        style={{ width: '33%' }}
      />
    </Space.Compact>
  );
}
