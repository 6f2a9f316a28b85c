/**
 * An image's package manifest as a CycloneDX SBOM (JSON, spec 1.5), written by the CycloneDX
 * library rather than by hand. Packages are Debian components with `pkg:deb/debian/...` purls.
 */
import * as CDX from "@cyclonedx/cyclonedx-library";
import { PackageURL } from "packageurl-js";
import type { InstalledPackage } from "./manifest";

/** What the SBOM describes: the image itself. */
export interface SbomSubject {
  /** Image name, e.g. `web`. */
  readonly name: string;
  /** The image's tag or id, e.g. `v3.4.1-0123456789ab`. */
  readonly version: string;
}

/** The purl of a Debian package, e.g. `pkg:deb/debian/openssl@3.0.22-1~deb12u2?arch=amd64`. */
export function debianPurl(p: InstalledPackage): string {
  return new PackageURL("deb", "debian", p.name, p.version, { arch: p.architecture }).toString();
}

/** A CycloneDX 1.5 JSON document listing every package; sorted, so the same image gives the same text. */
export function cycloneDxJson(subject: SbomSubject, pkgs: readonly InstalledPackage[]): string {
  const bom = new CDX.Models.Bom();
  bom.metadata.component = new CDX.Models.Component(
    CDX.Enums.ComponentType.Container,
    subject.name,
    { version: subject.version, bomRef: `image:${subject.name}:${subject.version}` },
  );
  for (const p of pkgs) {
    const purl = debianPurl(p);
    bom.components.add(
      new CDX.Models.Component(CDX.Enums.ComponentType.Library, p.name, {
        version: p.version,
        purl,
        bomRef: purl,
      }),
    );
  }
  const serializer = new CDX.Serialize.JsonSerializer(
    new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot5),
  );
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}
