import type { OfferDraft } from '@mkt/events';

/** An offer that meets every prerequisite; tests break one field at a time. */
export function completeOffer(): OfferDraft {
  return {
    title: 'Contoso Secure Linux',
    summary: 'A hardened Ubuntu image with Contoso monitoring built in.',
    description: 'Contoso Secure Linux is a hardened Ubuntu image with the Contoso agent preinstalled.',
    categories: ['security', 'compute'],
    logos: {
      small: 'https://cdn.contoso.test/logo-48.png',
      medium: 'https://cdn.contoso.test/logo-90.png',
      large: 'https://cdn.contoso.test/logo-216.png',
      wide: 'https://cdn.contoso.test/logo-255x115.png',
    },
    screenshots: [],
    privacyPolicyUrl: 'https://contoso.test/privacy',
    termsOfUse: 'Use it well.',
    supportContact: { name: 'Contoso Support', email: 'support@contoso.test', phone: '+1 425 555 0100' },
    engineeringContact: { name: 'Ada Engineer', email: 'ada@contoso.test', phone: '+44 20 7946 0000' },
    leadDestination: { type: 'none' },
    previewSubscriptionIds: ['6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b'],
    plans: [
      {
        id: 'standard',
        title: 'Standard',
        summary: 'For production workloads.',
        osFamily: 'Linux',
        osName: 'Ubuntu 22.04',
        recommendedVmSizes: ['Standard_D2s_v5'],
        openPorts: [{ port: 22, protocol: 'TCP' }],
        imageVersions: [
          {
            version: '1.0.0',
            osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/os-1.0.0.vhd?sv=2022-11-02&sig=abc',
            dataDiskUrls: ['https://contoso.blob.core.windows.net/vhds/data-1.0.0.vhd?sv=2022-11-02&sig=abc'],
          },
          { version: '1.1.0', osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/os-1.1.0.vhd?sv=2022-11-02&sig=abc' },
        ],
      },
      {
        id: 'windows_basic',
        title: 'Windows Basic',
        summary: 'The same on Windows Server.',
        osFamily: 'Windows',
        imageVersions: [{ version: '2.0.1', osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/win-2.0.1.vhd?sig=x' }],
      },
    ],
  };
}

export const NOTIFICATION_EMAILS = ['publisher@contoso.test'];
