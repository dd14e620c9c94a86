/** The simulated back end's settings change at run time through the operator's fault settings, validated as a whole. */
import { SimulatedReplicationBackend } from '../src/adapters/simulated-backend';
import { provisioningConfigFromEnv } from '../src/config';
import { provisioningFaults } from '../src/faults';

const image = { planId: 'p', version: '1.0.0', osDiskUrl: 'https://disks.test/os.vhd', dataDiskUrls: [] };

test('a region made failing fails the next call of the same back end; bad values name the field and change nothing', async () => {
  const config = provisioningConfigFromEnv();
  config.simulation.latencyMs = 0;
  const backend = new SimulatedReplicationBackend(config.simulation);
  const faults = provisioningFaults(config);
  const signal = new AbortController().signal;
  await expect(backend.replicate(image, 'uksouth', signal)).resolves.toBeUndefined();

  expect(faults.apply({ failingRegions: ['uksouth'], flakyRegions: { japaneast: 2 } })).toMatchObject({ ok: true });
  await expect(backend.replicate(image, 'uksouth', signal)).rejects.toThrow(/uksouth rejected the image/);
  await expect(backend.replicate(image, 'japaneast', signal)).rejects.toThrow(/1 of 2/);

  const refused = faults.apply({ failureRate: 2, failingRegions: ['atlantis'], latencyMs: 5 });
  expect(refused).toEqual({
    ok: false,
    fields: [
      { field: 'failureRate', problems: ['must be a number from 0 to 1'] },
      { field: 'failingRegions', problems: ['unknown: atlantis'] },
    ],
  });
  expect(faults.current()).toMatchObject({ latencyMs: 0, failureRate: 0, failingRegions: ['uksouth'] });
  expect(faults.apply({ failingRegions: [] })).toMatchObject({ ok: true });
  await expect(backend.replicate(image, 'uksouth', signal)).resolves.toBeUndefined();
});
