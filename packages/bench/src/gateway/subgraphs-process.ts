// Child process entry: the four static subgraphs, driven over IPC by the bench
// ('counts' answers the representation counts, 'reset' zeroes them).
import { emptyCounts, startStaticSubgraphs, subgraphNames } from './static-subgraphs';

startStaticSubgraphs().then((subgraphs) => {
  process.on('message', (message: { type: 'counts' | 'reset' }) => {
    if (message.type === 'reset') for (const name of subgraphNames) Object.assign(subgraphs.counts[name], emptyCounts());
    process.send!({ type: message.type, counts: subgraphs.counts });
  });
  process.send!({ type: 'ready', urls: subgraphs.urls });
});
