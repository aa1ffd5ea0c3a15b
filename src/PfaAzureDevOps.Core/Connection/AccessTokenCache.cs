using System;
using System.IO;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// The access token of this process's last read, keyed by the connection file and its timestamp and size,
    /// so a refresh or disconnect by any process is noticed with one stat.
    /// </summary>
    internal static class AccessTokenCache
    {
        private static readonly object Gate = new object();
        private static Entry? _entry;

        public static bool TryGet(string path, DateTimeOffset now, TimeSpan margin, out AccessTokenResult? result)
        {
            result = null;
            Entry? entry = _entry;
            if (entry is null || !string.Equals(entry.Path, path, StringComparison.Ordinal) || entry.ExpiresOn - now <= margin)
            {
                return false;
            }

            var info = new FileInfo(path);
            if (!info.Exists || info.LastWriteTimeUtc != entry.LastWriteUtc || info.Length != entry.Length)
            {
                return false;
            }

            result = new AccessTokenResult(entry.Token, entry.ExpiresOn, refreshed: false);
            return true;
        }

        public static void Remember(string path, ConnectionDocument document, string token)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return;
            }

            lock (Gate)
            {
                _entry = new Entry(path, info.LastWriteTimeUtc, info.Length, token, document.AccessTokenExpiresOn);
            }
        }

        public static void Forget(string path)
        {
            lock (Gate)
            {
                if (_entry != null && string.Equals(_entry.Path, path, StringComparison.Ordinal))
                {
                    _entry = null;
                }
            }
        }

        private sealed class Entry
        {
            public Entry(string path, DateTime lastWriteUtc, long length, string token, DateTimeOffset expiresOn)
            {
                Path = path;
                LastWriteUtc = lastWriteUtc;
                Length = length;
                Token = token;
                ExpiresOn = expiresOn;
            }

            public string Path { get; }

            public DateTime LastWriteUtc { get; }

            public long Length { get; }

            public string Token { get; }

            public DateTimeOffset ExpiresOn { get; }
        }
    }
}
