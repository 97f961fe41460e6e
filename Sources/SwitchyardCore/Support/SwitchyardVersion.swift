/// The release this source is. The one place the version is written: `switchyard --version`,
/// the start-up log, `/admin/health` and `scripts/release` (the tarball's name) read it here.
package enum SwitchyardVersion {
    package static let number = "0.1.0"
}
