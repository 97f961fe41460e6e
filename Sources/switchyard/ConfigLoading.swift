import ArgumentParser
import Foundation
import SwitchyardCore

/// Loads a config file for a command; an invalid one prints its located error and exits 2.
func loadConfigOrExit(_ path: String) throws -> GatewayConfig {
    do {
        return try GatewayConfig.load(path: path, environment: ProcessInfo.processInfo.environment)
    } catch {
        FileHandle.standardError.write(Data("switchyard: invalid config: \(error)\n".utf8))
        throw ExitCode(2)
    }
}
