/// The release this source is. The one place the version is written: `switchyard --version`,
/// the start-up log, `/admin/health` and `scripts/release` (the tarball's name) read it here.
public enum SwitchyardVersion {
    public static let number = "0.1.0"
}
