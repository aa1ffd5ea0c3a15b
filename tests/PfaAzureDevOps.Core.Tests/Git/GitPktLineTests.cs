using System.Collections.Generic;
using System.IO;
using System.Text;
using PfaAzureDevOps.Core.Git;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Git
{
    /// <summary>The git protocol pieces of the access check: pkt-lines, the ref advertisement, remote shell quoting.</summary>
    public class GitPktLineTests
    {
        [Fact]
        public void PktLineParsing()
        {
            string Pkt(string s) => (s.Length + 4).ToString("x4") + s;
            string id = new string('a', 40);
            string text = Pkt(id + " HEAD\0multi_ack symref=HEAD:refs/heads/trunk agent=git/2\n") + Pkt(id + " refs/heads/trunk\n") + "0000";
            var lines = new List<string>();
            Assert.True(GitSshAccessChecker.ReadPktLines(new MemoryStream(Encoding.ASCII.GetBytes(text)), lines, out string? err));
            Assert.Null(err);
            var ad = GitSshAccessChecker.Advertisement.Parse(lines);
            Assert.Equal("trunk", ad.DefaultBranch);
            Assert.Equal(2, ad.Refs.Count);
            Assert.Equal("HEAD", ad.Refs[0].Name);

            Assert.False(GitSshAccessChecker.ReadPktLines(new MemoryStream(Encoding.ASCII.GetBytes(Pkt("ERR access denied\n"))), new List<string>(), out err));
            Assert.Equal("ERR access denied", err);
            Assert.Equal("'a'\\''b'\\!'c'", GitSshAccessChecker.QuoteForRemoteShell("a'b!c"));
        }
    }
}
