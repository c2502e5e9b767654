import { Route } from 'react-router';
import { AuthLayout } from '../../app/layouts.tsx';
import type { Me } from '../../app/session.tsx';
import { VerifyPage } from '../identity/VerifyPage.tsx';
import { ReviewPage } from '../identity/ReviewPage.tsx';
import { TrainingPage } from './TrainingPage.tsx';
import { CoursePage } from './CoursePage.tsx';
import { TrainerPage } from './TrainerPage.tsx';
import { CertificatePublicPage } from './CertificatePublicPage.tsx';

/** The public certificate check a QR code opens, for visitors who are not logged in. */
export function PublicCertificateRoute() {
  return <Route path="/certificates/:number" element={<AuthLayout wide children={<CertificatePublicPage />} />} />;
}

/** Verification, training and their staff consoles, inside the logged-in shell (the server checks permissions again). */
export function OnboardingRoutes(me: Me) {
  const perms = new Set<string>(me.permissions);
  return (
    <>
      <Route path="/certificates/:number" element={<CertificatePublicPage />} />
      {perms.has('kyc:submit') && <Route path="/me/verification" element={<VerifyPage />} />}
      {perms.has('training:take') && <Route path="/training" element={<TrainingPage />} />}
      {perms.has('training:take') && <Route path="/training/certificates" element={<TrainingPage />} />}
      {perms.has('training:take') && <Route path="/training/courses/:id" element={<CoursePage />} />}
      {me.kind === 'staff' && perms.has('kyc:review') && <Route path="/staff/kyc" element={<ReviewPage />} />}
      {me.kind === 'staff' && perms.has('training:manage') && <Route path="/staff/training" element={<TrainerPage />} />}
    </>
  );
}
