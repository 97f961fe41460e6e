import Foundation
import SwitchyardCore
import SwitchyardStore
import Testing

@Suite struct FileStoreTests {
    @Test(arguments: StoreKind.available)
    func filesBelongToTheirKeyAndListNewestFirst(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let base = Date(timeIntervalSince1970: 1_764_000_000)
            var ids: [String] = []
            for i in 0..<5 {
                let file = StoredFile(id: StoredFile.newID(), keyID: i < 4 ? "key_a" : "key_b", filename: "in-\(i).jsonl", purpose: "batch",
                                      bytes: Int64(100 + i), lines: i + 1, createdAt: base.addingTimeInterval(Double(i)))
                try await store.insertFile(file)
                ids.append(file.id)
            }
            try await store.insertFile(StoredFile(id: StoredFile.newID(), keyID: nil, filename: "anon.jsonl", purpose: "batch", bytes: 1, lines: 1,
                                                  createdAt: base))
            let a = try await store.files(keyID: "key_a", purpose: nil, after: nil, limit: 100)
            #expect(a.map(\.id) == [ids[3], ids[2], ids[1], ids[0]])
            #expect(a.first?.filename == "in-3.jsonl" && a.first?.bytes == 103 && a.first?.lines == 4)
            #expect(a.first?.createdAt == base.addingTimeInterval(3))
            let page = try await store.files(keyID: "key_a", purpose: nil, after: ids[2], limit: 1)
            #expect(page.map(\.id) == [ids[1]])
            #expect(try await store.files(keyID: "key_a", purpose: "batch_output", after: nil, limit: 100).isEmpty)
            #expect(try await store.files(keyID: nil, purpose: nil, after: nil, limit: 100).map(\.filename) == ["anon.jsonl"])
            #expect(try await store.file(id: ids[4])?.keyID == "key_b")
            #expect(try await store.deleteFile(id: ids[4]))
            #expect(try await !store.deleteFile(id: ids[4]))
            #expect(try await store.file(id: ids[4]) == nil)
            #expect(try await store.file(id: "file-nope") == nil)
        }
    }
}
