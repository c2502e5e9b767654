import { Route } from 'react-router';
import type { Me } from '../../app/session.tsx';
import { StoresPage } from '../stores/StoresPage.tsx';
import { ComplaintsPage } from '../complaints/ComplaintsPage.tsx';
import { MyComplaintsPage } from '../complaints/MyComplaintsPage.tsx';
import { OrdersPage } from './OrdersPage.tsx';
import { PostOrderPage } from './PostOrderPage.tsx';
import { OrderDetailPage } from './OrderDetailPage.tsx';
import { SchedulePage } from './SchedulePage.tsx';
import { ReliabilityPage } from './ReliabilityPage.tsx';

/** Routes of the orders marketplace, stores and the support complaints queue, by what the user may do. */
export function OrdersRoutes(me: Me) {
  const perms = new Set<string>(me.permissions);
  const owner = perms.has('orders:post');
  const courier = perms.has('orders:take');
  return [
    ...(owner
      ? [<Route key="stores" path="/stores" element={<StoresPage />} />, <Route key="new" path="/orders/new" element={<PostOrderPage />} />]
      : []),
    ...(owner || courier
      ? [
          <Route key="orders" path="/orders" element={<OrdersPage />} />,
          <Route key="my-complaints" path="/complaints" element={<MyComplaintsPage />} />,
          <Route key="my-complaint" path="/complaints/:id" element={<MyComplaintsPage />} />,
          <Route key="reliability" path="/reliability" element={<ReliabilityPage />} />,
        ]
      : []),
    ...(courier ? [<Route key="schedule" path="/orders/schedule" element={<SchedulePage />} />] : []),
    <Route key="order" path="/orders/:id" element={<OrderDetailPage />} />,
    ...(me.kind === 'staff' && perms.has('complaints:handle')
      ? [<Route key="complaints" path="/support/complaints" element={<ComplaintsPage />} />]
      : []),
  ];
}
