using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Rest;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.OAuth
{
    public class OAuthRestClientTests
    {
        private static readonly Uri Url = new Uri("https://dev.azure.com/org1/_apis/connectionData");

        private static async Task<PfaException> Fails(ScriptedHandler handler, List<TimeSpan>? delays = null, int maxRetries = 3)
        {
            var client = new AzureDevOpsRestClient(new HttpMessageInvoker(handler), Fakes.Options(delays ?? new List<TimeSpan>(), maxRetries));
            return await Assert.ThrowsAsync<PfaException>(() => client.GetAsync(Url, "secret-token", CancellationToken.None));
        }

        [Fact]
        public async Task SendsBearerAndFedAuthSuppression()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.OK, "{\"instanceId\":\"x\"}");
            var client = new AzureDevOpsRestClient(new HttpMessageInvoker(handler), Fakes.Options(new List<TimeSpan>()));
            using JsonDocument json = await client.GetAsync(Url, "tok", CancellationToken.None);
            Assert.Equal("x", json.RootElement.GetProperty("instanceId").GetString());
            HttpRequestMessage request = handler.Requests.Single();
            Assert.Equal("Bearer", request.Headers.Authorization!.Scheme);
            Assert.Equal("tok", request.Headers.Authorization.Parameter);
            Assert.Equal("Suppress", request.Headers.GetValues("X-TFS-FedAuthRedirect").Single());
        }

        [Fact]
        public async Task Http203WithSignInPageIsNotAuthenticated()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.NonAuthoritativeInformation, "<html><body>Sign in</body></html>", "text/html");
            PfaException ex = await Fails(handler);
            Assert.Equal("AzureDevOpsNotAuthenticated", ex.ErrorId);
            Assert.Contains("Connect-PfaAzureDevOps", ex.Message);
            Assert.DoesNotContain("secret-token", ex.Message);
        }

        [Fact]
        public async Task Http200WithHtmlIsNotAuthenticated()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.OK, "<html>login</html>", "text/html");
            Assert.Equal("AzureDevOpsNotAuthenticated", (await Fails(handler)).ErrorId);
        }

        [Fact]
        public async Task Http401AnonymousIsNotAuthenticatedWithServerMessage()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.Unauthorized, Fakes.VssUnauthorized);
            PfaException ex = await Fails(handler);
            Assert.Equal("AzureDevOpsNotAuthenticated", ex.ErrorId);
            Assert.Contains("TF400813: Resource not available for anonymous access", ex.Message);
        }

        [Fact]
        public async Task Http401NotAuthorizedExplainsRevocationAndOrgPolicy()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.Unauthorized, Fakes.VssNotAuthorized);
            PfaException ex = await Fails(handler);
            Assert.Equal("AzureDevOpsNotAuthorized", ex.ErrorId);
            Assert.Contains("Third-party application access via OAuth", ex.Message);
            Assert.Contains("TF400813: The user 'abc'", ex.Message);
        }

        [Fact]
        public async Task Http429HonoursRetryAfterThenSucceeds()
        {
            var delays = new List<TimeSpan>();
            var handler = new ScriptedHandler()
                .Then(HttpStatusCode.TooManyRequests, "{\"message\":\"TF400733: The request has been canceled\"}", configure: r => r.Headers.Add("Retry-After", "2"))
                .Then(HttpStatusCode.TooManyRequests, "{}", configure: r => r.Headers.Add("Retry-After", "3"))
                .Then(HttpStatusCode.OK, "{\"ok\":true}");
            var client = new AzureDevOpsRestClient(new HttpMessageInvoker(handler), Fakes.Options(delays));
            using JsonDocument json = await client.GetAsync(Url, "tok", CancellationToken.None);
            Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
            Assert.Equal(new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3) }, delays);
            Assert.Equal(3, handler.Requests.Count);
        }

        [Fact]
        public async Task Http429RetriesAreBounded()
        {
            var delays = new List<TimeSpan>();
            var handler = new ScriptedHandler();
            for (int i = 0; i < 4; i++)
            {
                handler.Then(HttpStatusCode.TooManyRequests, "{\"message\":\"TF400733: The request has been canceled: throttled\"}", configure: r => r.Headers.Add("Retry-After", "1"));
            }

            PfaException ex = await Fails(handler, delays, maxRetries: 3);
            Assert.Equal("AzureDevOpsRateLimited", ex.ErrorId);
            Assert.Contains("TF400733", ex.Message);
            Assert.Equal(3, delays.Count);
            Assert.Equal(4, handler.Requests.Count);
        }

        [Fact]
        public async Task RetryAfterLongerThanTheLimitFailsAtOnce()
        {
            var delays = new List<TimeSpan>();
            var handler = new ScriptedHandler().Then(HttpStatusCode.TooManyRequests, "{}", configure: r => r.Headers.Add("Retry-After", "3600"));
            PfaException ex = await Fails(handler, delays);
            Assert.Equal("AzureDevOpsRateLimited", ex.ErrorId);
            Assert.Contains("3600 seconds", ex.Message);
            Assert.Empty(delays);
        }

        [Fact]
        public async Task ServerErrorsAreRetriedForGetThenReported()
        {
            var handler = new ScriptedHandler()
                .Then(HttpStatusCode.ServiceUnavailable, "{\"message\":\"down\"}")
                .Then(HttpStatusCode.InternalServerError, "{\"message\":\"boom\"}");
            PfaException ex = await Fails(handler, maxRetries: 1);
            Assert.Equal("AzureDevOpsServerError", ex.ErrorId);
            Assert.Contains("boom", ex.Message);
        }

        [Fact]
        public async Task NotFoundCarriesTheServerMessage()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.NotFound, "{\"message\":\"TF200016: The following project does not exist: p.\"}");
            PfaException ex = await Fails(handler);
            Assert.Equal("AzureDevOpsNotFound", ex.ErrorId);
            Assert.Contains("TF200016", ex.Message);
        }

        [Fact]
        public async Task DroppedConnectionsAreRetriedThenReported()
        {
            var handler = new ScriptedHandler()
                .Then(_ => throw new HttpRequestException("Connection reset"))
                .Then(_ => throw new HttpRequestException("Connection reset"));
            PfaException ex = await Fails(handler, maxRetries: 1);
            Assert.Equal("AzureDevOpsConnectionFailed", ex.ErrorId);
        }

        [Fact]
        public async Task SlowAnswersHitTheTimeLimit()
        {
            var slow = new SlowHandler();
            var options = Fakes.Options(new List<TimeSpan>());
            options.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            var client = new AzureDevOpsRestClient(new HttpMessageInvoker(slow), options);
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => client.GetAsync(Url, "tok", CancellationToken.None));
            Assert.Equal("AzureDevOpsTimeout", ex.ErrorId);
        }

        [Fact]
        public async Task CancellationStopsTheCall()
        {
            var client = new AzureDevOpsRestClient(new HttpMessageInvoker(new SlowHandler()), Fakes.Options(new List<TimeSpan>()));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync(Url, "tok", cancel.Token));
        }

        private sealed class SlowHandler : HttpMessageHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK);
            }
        }
    }
}
