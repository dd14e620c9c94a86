import type { OfferDraft } from '@mkt/events';

/** One image version of one plan, as submitted: what certification reads. */
export interface SubmittedImage {
  planId: string;
  imageVersion: string;
  osDiskUrl: string | null;
  dataDiskUrls: string[];
}

/** Which disk of an image version: `os` or `data-<LUN>`. */
export type DiskId = 'os' | `data-${number}`;

export interface DiskRef {
  planId: string;
  imageVersion: string;
  disk: DiskId;
  role: 'os' | 'data';
  /** Empty when the publisher gave none (the URL check then fails). */
  url: string;
}

/** What OfferSubmitted tells certification: the image versions, and the plans that have none. */
export interface ImageList {
  images: SubmittedImage[];
  plansWithoutImages: string[];
}

/** Every image version of every plan of the submitted offer. */
export function imageListOf(offer: OfferDraft): ImageList {
  const plans = offer.plans ?? [];
  return {
    images: plans.flatMap((plan) =>
      (plan.imageVersions ?? []).map((image) => ({
        planId: plan.id,
        imageVersion: image.version,
        osDiskUrl: image.osDiskUrl ?? null,
        dataDiskUrls: image.dataDiskUrls ?? [],
      })),
    ),
    plansWithoutImages: plans.filter((plan) => !plan.imageVersions?.length).map((plan) => plan.id),
  };
}

/** The disks to certify, OS disk first, then the data disks by LUN. */
export function disksOf(images: readonly SubmittedImage[]): DiskRef[] {
  return images.flatMap((image) => [
    { planId: image.planId, imageVersion: image.imageVersion, disk: 'os' as const, role: 'os' as const, url: image.osDiskUrl ?? '' },
    ...image.dataDiskUrls.map((url, lun) => ({
      planId: image.planId,
      imageVersion: image.imageVersion,
      disk: `data-${lun}` as const,
      role: 'data' as const,
      url,
    })),
  ]);
}

/** Stable key of a disk within an attempt (checkpoints are keyed by it). */
export function diskKey(disk: Pick<DiskRef, 'planId' | 'imageVersion' | 'disk'>): string {
  return JSON.stringify([disk.planId, disk.imageVersion, disk.disk]);
}

/** "The OS disk" / "Data disk 2" (the LUN): how messages name a disk. */
export function diskName(disk: DiskId): string {
  return disk === 'os' ? 'The OS disk' : `Data disk ${disk.slice('data-'.length)}`;
}
