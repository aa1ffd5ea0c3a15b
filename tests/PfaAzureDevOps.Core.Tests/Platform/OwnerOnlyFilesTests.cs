using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Platform;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Platform
{
    /// <summary>The one owner-only/atomic-replace/move-aside type: modes read back from the file system, replace under a reader.</summary>
    public sealed class OwnerOnlyFilesTests : IDisposable
    {
        private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        private const UnixFileMode Rwx = Rw | UnixFileMode.UserExecute;

        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-files-" + Guid.NewGuid().ToString("N"));

        public OwnerOnlyFilesTests()
        {
            Directory.CreateDirectory(_root);
        }

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        [Fact]
        public void Owner_only_folders_are_0700_new_or_narrowed_and_shared_ones_0755()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            string own = Path.Combine(_root, "own", "nested");
            OwnerOnlyFiles.EnsureDirectory(own, ownerOnly: true);
            Assert.Equal(Rwx, File.GetUnixFileMode(own));

            string wide = Path.Combine(_root, "wide");
            Directory.CreateDirectory(wide);
            File.SetUnixFileMode(wide, Rwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute | UnixFileMode.OtherWrite);
            OwnerOnlyFiles.EnsureDirectory(wide, ownerOnly: true);
            Assert.Equal(Rwx, File.GetUnixFileMode(wide));

            string shared = Path.Combine(_root, "shared");
            OwnerOnlyFiles.EnsureDirectory(shared, ownerOnly: false);
            Assert.Equal(Rwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(shared));

            string fresh = Path.Combine(_root, "pfa-git-x");
            OwnerOnlyFiles.CreatePrivateDirectory(fresh);
            Assert.Equal(Rwx, File.GetUnixFileMode(fresh));
            Assert.Throws<IOException>(() => OwnerOnlyFiles.CreatePrivateDirectory(fresh));
        }

        [Fact]
        public void Files_get_their_final_mode_at_creation_and_truncating_one_narrows_it()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            string secret = Path.Combine(_root, "secret");
            using (FileStream stream = OwnerOnlyFiles.CreateNew(secret, ownerOnly: true))
            {
                // Already 0600 while it is being written, not only after.
                Assert.Equal(Rw, File.GetUnixFileMode(secret));
                stream.WriteByte(1);
            }

            Assert.Throws<IOException>(() => OwnerOnlyFiles.CreateNew(secret, ownerOnly: true).Dispose());

            string open = Path.Combine(_root, "public");
            OwnerOnlyFiles.CreateNew(open, ownerOnly: false).Dispose();
            Assert.Equal(Rw | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(open));

            // An existing world-readable file opened with Create (the vault's fallback) becomes 0600 and empty.
            File.WriteAllText(open, "old");
            using (OwnerOnlyFiles.Open(open, FileMode.Create, ownerOnly: true))
            {
            }

            Assert.Equal(Rw, File.GetUnixFileMode(open));
            Assert.Equal(0, new FileInfo(open).Length);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Atomic_write_replaces_the_file_with_the_mode_asked_and_leaves_no_temporary_file(bool ownerOnly)
        {
            string path = Path.Combine(_root, "doc.json");
            File.WriteAllText(path, "old");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, Rw | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead);
            }

            OwnerOnlyFiles.WriteAtomic(path, Encoding.UTF8.GetBytes("new"), ownerOnly);

            Assert.Equal("new", File.ReadAllText(path));
            Assert.Equal(new[] { "doc.json" }, Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).ToArray());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(ownerOnly ? Rw : Rw | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
            }
        }

        [Fact]
        public void A_failed_atomic_write_leaves_the_target_and_no_temporary_file()
        {
            string path = Path.Combine(_root, "target");
            Directory.CreateDirectory(path); // a folder where the file should go: the rename fails

            Assert.ThrowsAny<IOException>(() => OwnerOnlyFiles.WriteAtomic(path, new byte[] { 1, 2, 3 }, ownerOnly: true));

            Assert.True(Directory.Exists(path));
            Assert.Equal(new[] { "target" }, Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).ToArray());
        }

        [Fact]
        public async Task A_concurrent_reader_sees_the_old_file_or_the_new_one_never_a_part()
        {
            string path = Path.Combine(_root, "state.json");
            byte[] a = Enumerable.Repeat((byte)'a', 256 * 1024).ToArray();
            byte[] b = Enumerable.Repeat((byte)'b', 256 * 1024).ToArray();
            OwnerOnlyFiles.WriteAtomic(path, a, ownerOnly: true);

            using var done = new CancellationTokenSource();
            int reads = 0;
            Task reader = Task.Run(() =>
            {
                while (!done.IsCancellationRequested)
                {
                    byte[] seen = File.ReadAllBytes(path);
                    Assert.Equal(a.Length, seen.Length);
                    Assert.True(seen.All(x => x == seen[0]), "a read saw two versions mixed");
                    Interlocked.Increment(ref reads);
                }
            });

            // The reader must be reading before the writes start (on a loaded machine the task can start late, and a
            // test whose writes all ran first would prove nothing).
            SpinWait.SpinUntil(() => Volatile.Read(ref reads) > 0 || reader.IsCompleted, TimeSpan.FromSeconds(30));
            for (int i = 0; i < 200; i++)
            {
                OwnerOnlyFiles.WriteAtomic(path, i % 2 == 0 ? b : a, ownerOnly: true);
            }

            done.Cancel();
            await reader;
            Assert.True(Volatile.Read(ref reads) > 0, "the reader never read while the file was being replaced");
            Assert.Single(Directory.GetFiles(_root));
        }

        [Fact]
        public void Move_aside_keeps_the_bytes_under_a_new_name_each_time()
        {
            string path = Path.Combine(_root, "key.json");
            var now = new DateTime(2026, 12, 1, 14, 5, 6, DateTimeKind.Utc);
            Assert.Null(OwnerOnlyFiles.MoveAside(path, now));

            File.WriteAllText(path, "{broken");
            string? first = OwnerOnlyFiles.MoveAside(path, now);
            File.WriteAllText(path, "{broken again");
            string? second = OwnerOnlyFiles.MoveAside(path, now);

            Assert.Equal(path + ".unreadable-20261201140506", first);
            Assert.Equal(path + ".unreadable-20261201140506-2", second);
            Assert.False(File.Exists(path));
            Assert.Equal("{broken", File.ReadAllText(first!));
            Assert.Equal("{broken again", File.ReadAllText(second!));
        }
    }
}
