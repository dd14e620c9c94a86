/** Certification's checks: `certification.<check>.<outcome>`; `disk` is `os` or `data` (with `lun`). */
export const certification = {
  'certification.disk-url.missing':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL is missing; give the blob URL of the VHD, with a SAS token that grants read access',
  'certification.disk-url.invalid':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL is not a valid URL; give the blob URL of the VHD, with a SAS token that grants read access',
  'certification.disk-url.passed': '{disk, select, os {The OS disk} other {Data disk {lun}}} URL is a valid {scheme} URL',
  'certification.disk-url.scheme': '{disk, select, os {The OS disk} other {Data disk {lun}}} URL uses {scheme}; give an https:// blob URL of the VHD',
  'certification.sas-token.absent':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL has no SAS token; generate a SAS token for the blob (with read permission) and append it to the URL',
  'certification.sas-token.incomplete':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} SAS token lacks {missing}; generate a complete SAS token for the blob and use the full SAS URL",
  'certification.sas-token.passed': "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} URL carries a SAS token",
  'certification.sas-read-permission.passed': "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} SAS token grants read access (sp={permissions})",
  'certification.sas-read-permission.failed':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} SAS token does not grant read access (sp={permissions}); generate one with Read permission",
  'certification.sas-expiry.not-a-date':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} SAS token expiry (se={expiry}) is not a date; generate one valid for at least {days} days",
  'certification.sas-expiry.expired':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} SAS token expired on {date}; generate one valid for at least {days} days",
  'certification.sas-expiry.too-soon':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} SAS token expires on {date}; generate one valid for at least {days} days",
  'certification.sas-expiry.passed': "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} SAS token is valid until {date}, at least {days} days",
  'certification.fetch.timeout':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL did not answer within {timeoutMs} ms; make sure the storage account is reachable from the internet and try again',
  'certification.fetch.address-not-allowed':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL points to a private, loopback or reserved address ({detail}); give the public blob URL of the VHD',
  'certification.fetch.dns-failed':
    "{disk, select, os {The OS disk} other {Data disk {lun}}} URL's host could not be resolved; check the storage account name in the URL",
  'certification.fetch.too-many-redirects':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL redirects too many times; give the direct blob URL of the VHD',
  'certification.fetch.malformed-location':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL redirects to a Location that is not a valid URL ({detail}); give the direct blob URL of the VHD',
  'certification.fetch.truncated-body':
    "{disk, select, os {The OS disk} other {Data disk {lun}}} URL's server closed the connection before its answer was complete ({detail}); make sure the blob is served completely and try again",
  'certification.fetch.secret-unavailable':
    "{disk, select, os {The OS disk} other {Data disk {lun}}} URL's SAS signature is no longer stored (it was replaced or removed since this attempt was submitted); give the full SAS URL again",
  'certification.fetch.not-https':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL (or a redirect from it) is not an https URL we may read ({detail}); give the direct https blob URL of the VHD',
  'certification.fetch.failed':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL could not be read ({detail}); make sure the blob is reachable and try again',
  'certification.status.not-found':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL answered 404 Not Found; check that the blob exists at this URL and that the SAS token is for this blob',
  'certification.status.denied':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL answered {status} (access denied); generate a new SAS token with read permission for this blob',
  'certification.status.other':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL answered HTTP {status}; make sure the blob is readable with its SAS URL',
  'certification.vhd-reachable.no-length':
    "{disk, select, os {The OS disk} other {Data disk {lun}}} URL does not report the blob's size (no valid Content-Length); serve the VHD from Azure Blob Storage",
  'certification.vhd-reachable.too-small':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} blob is only {length} bytes, too small to be a VHD; upload the complete VHD',
  'certification.vhd-reachable.passed': '{disk, select, os {The OS disk} other {Data disk {lun}}} blob is reachable ({size})',
  'certification.vhd-range-read.ignored-range':
    "{disk, select, os {The OS disk} other {Data disk {lun}}} URL's server ignored the HTTP Range header and sent the whole blob; serve the VHD from a server that supports range requests (Azure Blob Storage does)",
  'certification.vhd-range-read.refused':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL refused the range request for its last 512 bytes (416); upload the complete VHD',
  'certification.vhd-range-read.wrong-range':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} URL answered the request for bytes {first}-{last} with {received} bytes (Content-Range: {contentRange}); serve the VHD from a server that supports range requests',
  'certification.vhd-range-read.passed':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} footer was read with a range request (bytes {first}-{last})",
  'certification.vhd-cookie.passed': '{disk, select, os {The OS disk\'s} other {Data disk {lun}\'s}} footer has the "{cookie}" cookie',
  'certification.vhd-cookie.failed':
    '{disk, select, os {The OS disk\'s} other {Data disk {lun}\'s}} last 512 bytes are not a VHD footer (cookie "{found}" instead of "{cookie}"); upload the disk as a VHD file: convert it to a fixed-size VHD (Convert-VHD -VHDType Fixed, or qemu-img convert -O vpc -o subformat=fixed,force_size) and upload it again',
  'certification.vhd-checksum.passed': "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} footer checksum is valid ({stored})",
  'certification.vhd-checksum.failed':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} footer checksum is {stored} but the footer adds up to {computed}: the footer is corrupt; re-create the VHD and upload it again",
  'certification.vhd-disk-type.passed': '{disk, select, os {The OS disk} other {Data disk {lun}}} is a fixed-size VHD',
  'certification.vhd-disk-type.failed':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} is a {type} VHD (disk type {diskType}), not a fixed one; convert it to a fixed-size VHD (Convert-VHD -VHDType Fixed, or qemu-img convert -O vpc -o subformat=fixed,force_size) and upload it again',
  'certification.vhd-size-alignment.passed': "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} virtual size ({size}) is a whole number of MiB",
  'certification.vhd-size-alignment.failed':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} virtual size is {bytes} bytes, not a whole number of MiB; resize it to a multiple of 1 MiB (Resize-VHD, or qemu-img resize) and convert it to a fixed VHD again",
  'certification.vhd-size-limits.too-small':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} is {size}; {role, select, os {an OS disk} other {a data disk}} must be at least {min} GiB: grow the disk (and its file system) to at least {min} GiB',
  'certification.vhd-size-limits.too-large':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} is {size}; {role, select, os {an OS disk} other {a data disk}} can be at most {max} GiB: shrink it to {max} GiB or less',
  'certification.vhd-size-limits.passed':
    '{disk, select, os {The OS disk} other {Data disk {lun}}} is {size}, {min, select, 0 {at most {max} GiB} other {between {min} and {max} GiB}}',
  'certification.vhd-file-length.passed':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} blob length matches its virtual size plus the footer ({length} bytes)",
  'certification.vhd-file-length.failed':
    "{disk, select, os {The OS disk's} other {Data disk {lun}'s}} footer says {size} but the blob is {length} bytes (a fixed VHD is its virtual size + 512 bytes, {expected}); upload the complete VHD again as a page blob",
  'certification.image-version-present.plan': 'Plan {planId} has no VM image version; add an image version with the URL of its OS disk VHD',
  'certification.image-version-present.none': 'The offer has no plan with a VM image; add a plan with an image version and the URL of its OS disk VHD',
  'certification.run-failed': 'Certification could not be completed because of an internal error ({error})',
} as const;
