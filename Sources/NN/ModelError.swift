/// Why a model file was rejected or a forward pass could not run. The message names the file
/// and, where there is one, the layer or tensor.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
