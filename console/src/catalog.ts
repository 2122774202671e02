// The program catalog (GET /v1/catalog), read once per page that offers catalog choices.
import { useEffect, useState } from 'react';
import { api, type Schemas } from './api/client';

export type Catalog = Schemas['Catalog'];

export function useCatalog(): Catalog | undefined {
  const [catalog, setCatalog] = useState<Catalog | undefined>();
  useEffect(() => {
    void api.GET('/v1/catalog').then(({ data }) => setCatalog(data));
  }, []);
  return catalog;
}
