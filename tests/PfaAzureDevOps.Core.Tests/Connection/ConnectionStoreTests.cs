using System;
using System.IO;
using System.Linq;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Connection
{
    /// <summary>An unreadable connection.json is moved aside (never deleted) through the one move-aside of the store.</summary>
    public sealed class ConnectionStoreTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-connstore-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        [Fact]
        public void Disconnect_moves_an_unreadable_connection_aside_twice_in_the_same_second_without_losing_either()
        {
            var store = new ConnectionStore(new StateStore(StateScope.CurrentUser, _root));
            string folder = Path.GetDirectoryName(store.DocumentPath)!;
            Directory.CreateDirectory(folder);

            File.WriteAllText(store.DocumentPath, "{ not json");
            Assert.Null(store.Remove(out _));
            File.WriteAllText(store.DocumentPath, "{ also not json");
            Assert.Null(store.Remove(out _));

            Assert.False(File.Exists(store.DocumentPath));
            string[] aside = Directory.GetFiles(folder, ConnectionDocument.FileName + ".unreadable-*").OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal).ToArray();
            Assert.Equal(2, aside.Length);
            Assert.Equal(new[] { "{ not json", "{ also not json" }.OrderBy(s => s), aside.Select(File.ReadAllText).OrderBy(s => s));
        }
    }
}
