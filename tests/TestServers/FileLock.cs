using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// An exclusive lock on a file (FileShare.None: flock(LOCK_EX) on Unix, a share lock on Windows), held until disposed:
    /// machine-wide across processes of any session (a named mutex without <c>Global\</c> is per session on Unix), and
    /// per checkout, since the lock file lives in the checkout's <c>.tmp</c>. The kernel releases it when its process dies.
    /// </summary>
    public sealed class FileLock : IDisposable
    {
        private readonly FileStream _stream;

        private FileLock(FileStream stream) => _stream = stream;

        public static FileLock Acquire(string path, TimeSpan timeout, string timeoutMessage)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var watch = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException) when (watch.Elapsed < timeout)
                {
                    Thread.Sleep(50);
                }
                catch (IOException ex)
                {
                    throw new InvalidOperationException(timeoutMessage + " (" + path + ")", ex);
                }
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}
