import { LabIcon } from '@jupyterlab/ui-components';

/** A gauge: theme-aware through the `jp-icon3` fill class. */
const READINESS_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 4C6.48 4 2 8.48 2 14c0 2.02.6 3.9 1.63 5.47l.3.46h16.14l.3-.46A9.94 9.94 0 0 0 22 14c0-5.52-4.48-10-10-10zm6.95 14H5.05A7.96 7.96 0 0 1 4 14c0-4.41 3.59-8 8-8s8 3.59 8 8c0 1.4-.36 2.77-1.05 4z"/>
    <path d="M15.54 8.46l-4.95 4.95a2 2 0 1 0 2.83 2.83l4.95-4.95-2.83-2.83z"/>
  </g>
</svg>`;

export const readinessIcon = new LabIcon({
  name: 'jupyter-prod:readiness',
  svgstr: READINESS_SVG
});
